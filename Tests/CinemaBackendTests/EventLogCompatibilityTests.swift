import CinemaBackend
import CinemaCore
import CinemaTestSupport
import Foundation
import GRDB
import Testing

/// The event log written before events were typed (`Fixtures/backend-log-before-typed-events.sql`,
/// dumped from a backend of that day after a session with every kind of event, and a second
/// session left live with a line never answered) still loads, reads back byte for byte, and
/// carries on.
@Suite("Event logs written before typed events")
struct EventLogCompatibilityTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/backend-log-before-typed-events.sql"
    )
    static let ended = "0d6d681b-9fc5-4ef9-8d7a-ab2c2d487bcd"
    static let live = "0c14c330-27c7-407f-b1ff-88c04d21291e"

    struct LoggedRow: Sendable {
        var session: String
        var sequence: Int64
        var type: String
        var data: String
    }

    /// A home whose backend.sqlite is the old log.
    static func home(in directory: TemporaryDirectory) throws -> (home: String, rows: [LoggedRow]) {
        let home = try directory.makeDirectory("home")
        let queue = try DatabaseQueue(path: home + "/backend.sqlite")
        // The dump has its own transaction.
        try queue.writeWithoutTransaction { db in try db.execute(sql: try String(contentsOf: fixture, encoding: .utf8)) }
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sessionId, sequence, type, data FROM event ORDER BY sessionId, sequence").map {
                LoggedRow(session: $0["sessionId"], sequence: $0["sequence"], type: $0["type"], data: $0["data"])
            }
        }
        try queue.close()
        return (home, rows)
    }

    @Test("Every event of the old log reads as its typed kind and writes back the very same JSON")
    func roundTrip() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, rows) = try Self.home(in: directory)
            #expect(Set(rows.map(\.type)).count == 13, "the fixture has every kind of event")
            for row in rows {
                let body = SessionEvent.Body(kind: SessionEvent.Kind(rawValue: row.type), json: Data(row.data.utf8))
                if case .unrecognized = body { Issue.record("\(row.type) #\(row.sequence) did not read as its kind: \(row.data)") }
                #expect(String(decoding: body.encodedData(), as: UTF8.self) == row.data, "\(row.type) #\(row.sequence)")
            }
        }
    }

    @Test(
        "A backend started on the old log serves its events as they were, tells its conversation, and answers the line left unanswered"
    )
    func restored() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, rows) = try Self.home(in: directory)
            let library = try await BackendTestLibrary.make(in: directory, video: true)
            try await BackendHarness.run(home: home, library: library) { backend in
                let events = try await backend.events(of: Self.ended)
                let stored = rows.filter { $0.session == Self.ended }
                #expect(stored.count == 21)
                #expect(events.count == stored.count)
                for (event, row) in zip(events, stored) {
                    #expect(event["type"]?.stringValue == row.type)
                    #expect(event["data"] == (try JSONDecoder().decode(JSONValue.self, from: Data(row.data.utf8))), "\(row.type)")
                }

                let reply = try await backend.http.get(
                    "/conversation-status/\(Self.ended)",
                    headers: ["Authorization": "Bearer \(backend.operatorToken)"]
                )
                #expect(reply.status == 200, "\(reply.text)")
                let status = reply.json
                #expect(status["reported_status"]?.stringValue == "active")
                let messages = try (status["context"]?["messages"] ?? .null).decode(as: [ConversationStatus.Message].self)
                #expect(messages.filter { $0.role == "user" }.map(\.content) == ["Who are you?", "Are you still there?"])
                #expect(messages.filter { $0.role == "assistant" }.count == 2)
                guard case .array(let shown) = status["context"]?["display_messages"] else {
                    Issue.record("no display messages: \(status)")
                    return
                }
                let lines = shown.compactMap { $0["text"]?.stringValue }
                for expected in [
                    "Error (player): mpv could not open the film", "Needs help: visitor is stuck", "Unanswered because the session ended (operator)",
                    "The observer left the room", "Session ended (operator)", "State: conversing → ended",
                ] {
                    #expect(lines.contains(expected), "\(lines)")
                }

                // The live session was restored: its device comes back and the line said while
                // the greeting played is answered.
                let token = try backend.signer().issue(room: Self.live, expires: Date().addingTimeInterval(600))
                let roomURL = "ws://127.0.0.1:\(backend.port)/rooms/\(Self.live)?token=\(token)"
                _ = try await RoomTestClient.connect(to: roomURL) { device in
                    try await device.send(.clientReady(id: "back"))
                    _ = try await device.next("bot-ready")
                    let answer = try await device.next("server-message", serverType: "play-clip", within: .seconds(20))
                    #expect(answer.turn == 2)
                }
                let decisions = try await backend.events(of: Self.live).filter { $0["type"]?.stringValue == "decision" }
                #expect(decisions.last?["data"]?["visitor"]?.stringValue == "Where are you going?")
                #expect(decisions.last?["data"]?["utterances"] == .array([.number(1)]))
            }
        }
    }
}
