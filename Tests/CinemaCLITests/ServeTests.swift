import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("cinema serve as a process", .timeLimit(.minutes(3)))
struct ServeTests {
    /// A home with three films' subtitles indexed.
    static func home(_ directory: TemporaryDirectory) async throws -> String {
        let home = directory.file("home")
        let films = ["His_Girl_Friday_1940.en.srt", "Charade_1963.en.srt", "Nothing_Sacred_1937.en.srt"].map(SharedData.film)
        let index = try await CinemaExecutable.run(["index", "--subtitles-only"] + films, environment: ["CINEMA_HOME": home])
        #expect(index.status == 0, "\(index.standardError)")
        return home
    }

    static let serve = ["serve", "--port", "0", "--log-level", "error"]

    /// A session's status and end reason as a backend started again on `home` has them.
    static func recorded(_ id: String, home: String) async throws -> [String?] {
        let (record, _) = try await ServerProcess.run(serve, environment: ["CINEMA_HOME": home]) { server in
            let session = try await HTTPTestClient(base: server.base).get("/api/sessions/\(id)").json["session"]
            try server.send(SIGTERM)
            return [session?["status"]?.stringValue, session?["end_reason"]?.stringValue]
        }
        return record
    }

    @Test("Killed with SIGKILL mid-session and restarted: every acknowledged event is there and the device resumes")
    func killAndRestart() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let environment = ["CINEMA_HOME": home]

            struct Before: Sendable {
                var identifier: String
                var port: Int
                var deviceURL: String
                var events: [JSONValue]
                var clipIDs: [Int64]
            }
            let (before, killed) = try await ServerProcess.run(Self.serve, environment: environment) { server in
                let http = HTTPTestClient(base: server.base)
                let connect = try await http.post("/api/connect", #"{"station": "tv-kill"}"#)
                let id = try #require(connect.json["identifier"]?.stringValue)
                let deviceURL = try #require(connect.json["room_url"]?.stringValue) + "?token=" + (connect.json["token"]?.stringValue ?? "")
                let (clips, _) = try await RoomTestClient.connect(to: deviceURL) { device in
                    let greeting = try await device.readyPastGreeting()
                    try await device.send(.sendText("Who are you?"))
                    let answer = try await device.next("server-message", serverType: "play-clip")
                    // What the backend has sent, it has saved: read the log, then kill it.
                    let events = try await http.get("/api/sessions/\(id)").json["events"]
                    try server.send(SIGKILL)
                    _ = try? await device.waitForClose()
                    return (try #require(events), [try #require(greeting.clipID), try #require(answer.clipID)])
                }
                guard case .array(let events) = clips.0 else { throw ServerProcess.Failure(description: "no events") }
                return Before(identifier: id, port: server.port, deviceURL: deviceURL, events: events, clipIDs: clips.1)
            }
            #expect(killed == 128 + SIGKILL)
            #expect(before.events.count >= 8)

            let (ended, stopped) = try await ServerProcess.run(Self.serve, environment: environment) { server in
                let http = HTTPTestClient(base: server.base)
                let after = try await http.get("/api/sessions/\(before.identifier)")
                guard case .array(let events) = after.json["events"] else { throw ServerProcess.Failure(description: after.text) }
                #expect(Array(events.prefix(before.events.count)) == before.events)
                #expect(after.json["session"]?["status"]?.stringValue == "conversing")
                // Still the station's live session.
                let again = try await http.post("/api/connect", #"{"station": "tv-kill"}"#)
                #expect(again.status == 409)
                #expect(again.json["identifier"]?.stringValue == before.identifier)

                // The device comes back with the same token and carries on: no second greeting,
                // and no clip it has already played.
                // (Port 0 gave this run another port; an installation keeps 8765.)
                let deviceURL = before.deviceURL.replacingOccurrences(of: ":\(before.port)/", with: ":\(server.port)/")
                let (reason, _) = try await RoomTestClient.connect(to: deviceURL) { device in
                    try await device.send(.clientReady(id: "back"))
                    #expect(try await device.next("bot-ready").id == "back")
                    try await device.send(.sendText("Where are you going?"))
                    let next = try await device.next("server-message", serverType: "play-clip")
                    #expect(next.turn == 3)
                    #expect(!before.clipIDs.contains(try #require(next.clipID)))
                    // A graceful stop tells the device why.
                    try server.send(SIGTERM)
                    return try await device.next("server-message", serverType: "session-ended").data?["reason"]?.stringValue
                }
                return reason
            }
            #expect(ended == "shutdown")
            #expect(stopped == 0)

            // The end was saved before the process exited.
            #expect(try await Self.recorded(before.identifier, home: home) == ["ended", "shutdown"])
        }
    }

    @Test("serve without a library says how to get one; a busy port says so")
    func startupErrors() async throws {
        try await TemporaryDirectory.with { directory in
            let empty = try await CinemaExecutable.run(["serve", "--port", "0"], environment: ["CINEMA_HOME": directory.file("empty")])
            #expect(empty.status != 0)
            #expect(empty.standardError.contains("cinema demo"))

            let home = try await Self.home(directory)
            let other = try await Self.home(TemporaryDirectory(path: directory.file("second")))
            let (busy, _) = try await ServerProcess.run(Self.serve, environment: ["CINEMA_HOME": home]) { server in
                let busy = try await CinemaExecutable.run(["serve", "--port", "\(server.port)"], environment: ["CINEMA_HOME": other])
                try server.send(SIGTERM)
                return busy
            }
            #expect(busy.status != 0)
            #expect(busy.standardError.contains("already in use"), "\(busy.standardError)")
        }
    }
}
