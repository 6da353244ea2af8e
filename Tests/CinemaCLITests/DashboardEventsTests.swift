import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

/// The dashboard reads the session's schema: every kind of event, as the Swift types encode it,
/// rendered by the real page in chromium. A field renamed on one side shows here as a missing
/// word or an "undefined".
@Suite("The dashboard renders every session event in chromium", .timeLimit(.minutes(3)))
struct EndToEndDashboardEventsTests {
    static let session = "5e55a0e1-0000-4000-8000-000000000001"

    /// One of each kind, with values the page must show.
    static func events() -> [(SessionEvent.Body, [String])] {
        let clip = Clip(
            id: 42,
            filmID: 7,
            filmTitle: "The Parlour (1931)",
            videoPath: "/films/parlour.mp4",
            start: 3.5,
            end: 6.2,
            cueStart: 3.5,
            cueEnd: 4.5,
            text: "I'm the new butler, sir.",
            transcribed: true
        )
        let decision = DecisionPayload(
            turn: 2,
            kind: .reply,
            director: "retrieval",
            visitor: "Is anybody there?",
            utterances: [1],
            reasoning: "A question answered by the line that follows it.",
            queries: ["anybody there"],
            clip: .init(clip, mediaURL: "http://127.0.0.1:8765/media/7"),
            candidates: [
                .init(
                    clipID: 42,
                    filmTitle: "The Parlour (1931)",
                    text: "I'm the new butler, sir.",
                    score: 1.3,
                    kind: .reply,
                    matched: "Who are you?",
                    foundBy: "words and meaning",
                    lexical: 0.86,
                    semantic: 0.78,
                    notes: ["answered at once"]
                ),
                .init(clipID: 43, filmTitle: "Charade (1963)", text: "Tired?", score: 0.4, kind: .retort),
            ],
            timings: .init(searchMilliseconds: 3.2, modelMilliseconds: 0, directorMilliseconds: 12.3, totalMilliseconds: 45.6, sttMilliseconds: 210),
            fallbackReason: "the model was down"
        )
        return [
            (.created(.init(station: "tv-schema", baseURL: "http://127.0.0.1:8765", config: nil)), ["created", "tv-schema"]),
            (.participantJoined(.init(role: .device, connection: "A")), ["The TV joined the room."]),
            (.participantJoined(.init(role: .observer, connection: "B")), ["An observer joined."]),
            (.stateChanged(.init(from: .waiting, to: .greeting)), ["Now greeting."]),
            (
                .visitorText(.init(text: "Is anybody there?", source: .speech, utterance: 1, vadMilliseconds: 300, sttMilliseconds: 210)),
                ["Visitor (heard)", "Is anybody there?"]
            ),
            (
                .decision(decision),
                [
                    "Answer · turn 2 · retrieval", "The Parlour (1931)", "0:04–0:06", "“I'm the new butler, sir.”", "(transcribed)",
                    "stt 210 ms", "search 3 ms", "director 12 ms", "turn 46 ms", "A question answered by the line that follows it.",
                    "Fallback: the model was down", "Searched: anybody there",
                    "Led by “Who are you?”, found by words and meaning (words 0.86, meaning 0.78)", "Charade (1963): “Tired?” (0.4 · retort)",
                ]
            ),
            (.clipStarted(.init(clipID: 42, turn: 2, playerMilliseconds: 40)), ["▶ Playing The Parlour (1931), 0:04–0:06."]),
            (.clipEnded(.init(clipID: 42, turn: 2, reason: "eof")), ["Clip over (eof)."]),
            (.turnDropped(.init(utterances: [2], reason: "goodbye")), ["Turn dropped: goodbye."]),
            (.status(.init(status: "active", context: nil)), ["Status: active"]),
            (.needsHelp(.init(reason: "The TV's client failed 5 times")), ["Needs help: The TV's client failed 5 times"]),
            (.error(.init(source: .player, message: "mpv could not open the film")), ["Error (player): mpv could not open the film"]),
            (.participantLeft(.init(role: .device, connection: "A")), ["The TV left the room."]),
            (.ended(.init(reason: "operator", audio: .init(frames: 10, bytes: 6400))), ["Session ended (operator)."]),
        ]
    }

    @Test("Each kind of event shows what it carries, and none shows undefined, null or raw JSON")
    func everyKind() async throws {
        let screenshot = try EndToEndDashboardTests.prepare(screenshot: "dashboard-events.png")
        let expected = Self.events()
        #expect(Set(expected.map(\.0.kind)).count == 13, "one of each kind")
        try await TemporaryDirectory.with { directory in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let events = expected.enumerated().map { index, item in
                SessionEvent(session: Self.session, sequence: Int64(index + 1), at: start.addingTimeInterval(Double(index)), body: item.0)
            }
            let file = directory.file("events.json")
            try JSONEncoder().encode(events).write(to: URL(fileURLWithPath: file))
            let page = SharedData.packageRoot + "/Sources/CinemaStation/Dashboard"
            let run = try await CinemaExecutable.runProgram(
                EndToEndDashboardTests.python,
                [EndToEndDashboardTests.script, "events", page, screenshot, file]
            )
            let report = try JSONDecoder().decode(JSONValue.self, from: Data(run.standardOutput.utf8))
            #expect(report["error"] == nil || report["error"] == .null, "\(report["error"] ?? .null) \(run.standardError.suffix(2000))")
            guard case .array(let entries) = report["entries"] ?? .null else {
                Issue.record("no entries: \(run.standardOutput.prefix(2000)) \(run.standardError.suffix(2000))")
                return
            }
            #expect(entries.count == expected.count)
            for (index, (body, words)) in expected.enumerated() {
                let entry = entries.first { $0["sequence"]?.int64Value == Int64(index + 1) }
                let shown = entry?["text"]?.stringValue ?? ""
                #expect(entry?["type"]?.stringValue == body.kind.rawValue)
                for word in words { #expect(shown.contains(word), "\(body.kind): “\(word)” not in “\(shown)”") }
                for wrong in ["undefined", "null", "NaN", "[object", "{\""] {
                    #expect(!shown.contains(wrong), "\(body.kind) shows “\(wrong)”: \(shown)")
                }
            }
            #expect(report["status"]?.stringValue == "ended")
            #expect(report["needs_help"]?.stringValue == "The TV's client failed 5 times")
        }
    }
}
