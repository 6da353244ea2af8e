import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The TV end to end: a real `cinema serve`, `cinema player` (headless mpv) and `cinema client`,
/// each its own process, talking over loopback.
@Suite("cinema client with a backend and a player", .timeLimit(.minutes(4)))
struct EndToEndClientTests {
    /// A data directory whose library is one short film with its dialogue beside it.
    /// `greeting` is how long "Good evening." is said: a test that must act while it plays
    /// makes it long.
    static func home(_ directory: TemporaryDirectory, greeting: Int = 2) async throws -> (home: String, video: String) {
        let films = directory.file("films")
        try FileManager.default.createDirectory(atPath: films, withIntermediateDirectories: true)
        let lines: [(String, Double)] = [
            ("Good evening.", Double(greeting) - 0.6), ("Who are you?", 2), ("I am nobody at all.", 2),
            ("Where are you going?", 2), ("Home, to my mother.", 2), ("Goodbye, my friend.", 2),
        ]
        var srt = ""
        var at = 1.0
        for (number, (text, length)) in lines.enumerated() {
            srt += "\(number + 1)\n\(Self.timecode(at)) --> \(Self.timecode(at + length))\n\(text)\n\n"
            at += length + 1.5
        }
        let video = films + "/Evening.mp4"
        try await MediaFixtures.makeVideo(at: video, seconds: at + 3)
        _ = try directory.write("films/Evening.srt", srt)
        let home = directory.file("home")
        let index = try await CinemaExecutable.run(["index", films], environment: ["CINEMA_HOME": home])
        #expect(index.status == 0, "\(index.standardError)")
        return (home, video)
    }

    static func timecode(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        return String(format: "%02d:%02d:%02d,%03d", millis / 3_600_000, millis / 60_000 % 60, millis / 1000 % 60, millis % 1000)
    }

    static let serve = ["serve", "--port", "0", "--log-level", "error"]
    static let player = ["player", "--port", "0", "--headless", "--idle", "black", "--log-level", "error"]

    struct Session: Sendable {
        var identifier: String
        var environment: [String: String]
    }

    /// A backend and a player on free ports, and a new session with the client's environment.
    static func withInstallation<T: Sendable>(
        home: String,
        player: Bool = true,
        _ body: @Sendable (HTTPTestClient, HTTPTestClient?, Session) async throws -> T
    ) async throws -> T {
        let (result, _) = try await ServerProcess.run(serve, environment: ["CINEMA_HOME": home]) { backend in
            try await backend.stopping { try await Self.withSession(backend, home: home, player: player, body) }
        }
        return result
    }

    private static func withSession<T: Sendable>(
        _ backend: ServerProcess,
        home: String,
        player: Bool,
        _ body: @Sendable (HTTPTestClient, HTTPTestClient?, Session) async throws -> T
    ) async throws -> T {
        let http = HTTPTestClient(base: backend.base)
        let connect = try await http.post("/api/connect", #"{"station": "tv"}"#)
        let identifier = try #require(connect.json["identifier"]?.stringValue)
        var environment = [
            "CINEMA_HOME": home,
            "CINEMA_ROOM_URL": try #require(connect.json["room_url"]?.stringValue),
            "CINEMA_TOKEN": try #require(connect.json["token"]?.stringValue),
        ]
        guard player else {
            // Nothing listens on port 9: plays fail at once.
            environment["CINEMA_PLAYER_URL"] = "http://127.0.0.1:9"
            return try await body(http, nil, Session(identifier: identifier, environment: environment))
        }
        let (result, _) = try await ServerProcess.run(Self.player, environment: ["CINEMA_HOME": home]) { [environment] player in
            var environment = environment
            environment["CINEMA_PLAYER_URL"] = player.base
            return try await player.stopping {
                try await body(http, HTTPTestClient(base: player.base), Session(identifier: identifier, environment: environment))
            }
        }
        return result
    }

    static func events(_ http: HTTPTestClient, _ session: Session) async throws -> [JSONValue] {
        guard case .array(let events) = try await http.get("/api/sessions/\(session.identifier)").json["events"] else { return [] }
        return events
    }

    static func clipID(in line: String) -> String? {
        guard let range = line.range(of: "clip ") else { return nil }
        return String(line[range.upperBound...].prefix { $0.isNumber })
    }

    @Test(
        "A WAV as the microphone: the greeting plays, the visitor's words play a clip, a farewell ends it, the client exits 0 and the player is idle",
        .tags(.media)
    )
    func wholeSession() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await Self.home(directory)
            // Quiet while the greeting plays (the room ignores the microphone then), then a
            // question, then the client's own silence.
            let speech = try await MediaFixtures.speech("where are you going tonight", in: directory)
            let wav = try directory.write("mic.wav", WAVFile(sampleRate: 16_000, samples: [Int16](repeating: 0, count: 16_000 * 5) + speech).bytes)

            try await Self.withInstallation(home: home) { backend, player, session in
                let player = try #require(player)
                var environment = session.environment
                environment["CINEMA_AUDIO_FILE"] = wav
                environment["CINEMA_MEDIA_ROOTS"] = directory.file("films")
                let (_, status, log) = try await WatchedProcess.run(["client"], environment: environment) { client in
                    try await client.line(containing: "bot-ready: joined the room")
                    let greeting = try await client.line(containing: "play-clip: turn 1")
                    #expect(greeting.contains("Good evening."), "\(greeting)")
                    let greetingID = try #require(Self.clipID(in: greeting))
                    let local = try await client.line(containing: "clip-started: clip \(greetingID)")
                    #expect(local.contains("/films/Evening.mp4"), "read from disk under the data directory's media root: \(local)")
                    try await client.line(containing: "clip-ended: clip \(greetingID) (eof)")

                    let heard = try await client.line(containing: "user-transcription:", within: .seconds(60))
                    // Whisper, the default when the model service is installed, hears it right.
                    #expect(heard.lowercased().contains("where are you going"), "\(heard)")
                    let answer = try await client.line(containing: "play-clip: turn 2", within: .seconds(60))
                    let answerID = try #require(Self.clipID(in: answer))
                    try await client.line(containing: "clip-started: clip \(answerID)")
                    let status = try await player.get("/status").json
                    #expect(status["playing"]?.boolValue == true)
                    #expect(status["clip_id"]?.int64Value.map(String.init) == answerID)
                    try await client.line(containing: "clip-ended: clip \(answerID) (eof)")

                    let end = try await backend.post("/api/sessions/\(session.identifier)/end", #"{"farewell": true}"#)
                    #expect(end.status == 200, "\(end.text)")
                    let farewell = try await client.line(containing: "play-clip: turn 3")
                    let farewellID = try #require(Self.clipID(in: farewell))
                    try await client.line(containing: "clip-ended: clip \(farewellID) (eof)")
                    try await client.line(containing: "session-ended: operator")
                }
                #expect(status == 0, "\(log.suffix(10))")
                // One line per event, each with the session.
                #expect(log.filter { $0.contains("[CinemaDevice]") }.allSatisfy { $0.contains("session=\(session.identifier)") })

                let events = try await Self.events(backend, session)
                let kinds = events.compactMap { $0["type"]?.stringValue }
                #expect(kinds.filter { $0 == "clip-started" }.count == 3, "\(kinds)")
                #expect(events.filter { $0["type"]?.stringValue == "clip-ended" }.allSatisfy { $0["data"]?["reason"]?.stringValue == "eof" })
                let spoken = events.first { $0["type"]?.stringValue == "visitor-text" }
                #expect(spoken?["data"]?["source"]?.stringValue == "speech")
                #expect(kinds.last == "session-ended")

                let idle = try await player.get("/status").json
                #expect(idle["playing"]?.boolValue == false)
                #expect(idle["idle_screen"]?.stringValue == "black")
            }
        }
    }

    @Test("A film missing on disk and on the backend: player-error and the clip's end are reported, and the session goes on")
    func missingFilm() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, video) = try await Self.home(directory)
            try FileManager.default.removeItem(atPath: video)
            try await Self.withInstallation(home: home) { backend, _, session in
                let (_, status, log) = try await WatchedProcess.run(["client"], environment: session.environment) { client in
                    let failed = try await client.line(containing: "player-error: clip")
                    #expect(failed.contains("/media/"), "streamed from the backend, as the file is not here: \(failed)")
                    // The turn is over: a typed one is answered.
                    let said = try await backend.post("/api/sessions/\(session.identifier)/say", #"{"text": "Who are you?"}"#)
                    #expect(said.status == 200, "\(said.text)")
                    try await client.line(containing: "play-clip: turn 2")
                    _ = try await backend.post("/api/sessions/\(session.identifier)/end", "{}")
                    try await client.line(containing: "session-ended")
                }
                #expect(status == 0, "\(log.suffix(10))")
                let events = try await Self.events(backend, session)
                #expect(events.contains { $0["type"]?.stringValue == "error" && $0["data"]?["source"]?.stringValue == "player" })
                #expect(events.contains { $0["type"]?.stringValue == "clip-ended" && $0["data"]?["reason"]?.stringValue == "error" })
            }
        }
    }

    @Test("A film outside the media roots streams from the backend's media URL, seekable, and plays the clip's span")
    func streamedFromBackend() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, video) = try await Self.home(directory)
            try await Self.withInstallation(home: home) { backend, player, session in
                let player = try #require(player)
                var environment = session.environment
                environment["CINEMA_MEDIA_ROOTS"] = directory.file("elsewhere")
                let (_, status, log) = try await WatchedProcess.run(["client"], environment: environment) { client in
                    let started = try await client.line(containing: "clip-started: clip")
                    #expect(started.contains(" of \(backend.base)/media/"), "\(started)")
                    #expect(!started.contains(video))
                    // The span, not the film from its start: the HTTP stream was seeked.
                    let at = started.range(of: " at ").map { started[$0.upperBound...].prefix { $0 != " " } }
                    let position = try #require(at.flatMap { Double($0) })
                    #expect(position >= 0.6 && position < 2.9, "\(started)")
                    #expect(try await player.get("/health").json["mpv_running"]?.boolValue == true)
                    try await client.line(containing: "clip-ended: clip")
                    _ = try await backend.post("/api/sessions/\(session.identifier)/end", "{}")
                    try await client.line(containing: "session-ended")
                }
                #expect(status == 0, "\(log.suffix(10))")
            }
        }
    }

    @Test("No player: each play fails with a message saying so; SIGTERM leaves the room and exits 0 with the session still live")
    func noPlayerAndSignal() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await Self.home(directory)
            try await Self.withInstallation(home: home, player: false) { backend, _, session in
                let (_, status, log) = try await WatchedProcess.run(["client"], environment: session.environment) { client in
                    let failed = try await client.line(containing: "player-error: clip")
                    #expect(failed.contains("Is `cinema player` running"), "\(failed)")
                    try client.send(SIGTERM)
                    try await client.line(containing: "Stopped by a signal")
                }
                #expect(status == 0, "\(log.suffix(10))")
                let summary = try await backend.get("/api/sessions/\(session.identifier)").json["session"]
                #expect(summary?["status"]?.stringValue != "ended")
            }
        }
    }

    @Test("A wrong token is refused for good: the client says why and exits 2; a missing room URL is a usage error")
    func refused() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await Self.home(directory)
            try await Self.withInstallation(home: home, player: false) { _, _, session in
                var environment = session.environment
                environment["CINEMA_TOKEN"] = "not-a-token"
                let (_, status, log) = try await WatchedProcess.run(["client"], environment: environment) { _ in }
                #expect(status == 2)
                #expect(log.contains { $0.contains("refused this device (token-") }, "\(log)")
            }
            let usage = try await CinemaExecutable.run(["client"], environment: ["CINEMA_HOME": home])
            #expect(usage.status == 64)
            #expect(usage.standardError.contains("--room-url"))
            let badDevice = try await CinemaExecutable.run(
                ["client", "--room-url", "ws://127.0.0.1:9/rooms/x", "--audio-device", "hw:0; rm -rf /"],
                environment: ["CINEMA_HOME": home]
            )
            #expect(badDevice.status == 64)
            #expect(badDevice.standardError.contains("not an ALSA device name"), "\(badDevice.standardError)")
        }
    }
}

@Suite("cinema client when the backend dies", .timeLimit(.minutes(4)))
struct EndToEndReconnectTests {
    /// A server started aside, for a test that needs it to die and come back while another
    /// process lives on.
    struct Background: Sendable {
        let server: ServerProcess
        let signals: AsyncStream<Int32>.Continuation
        let run: Task<Int32, any Error>

        static func start(_ arguments: [String], environment: [String: String]) async throws -> Background {
            let (up, upContinuation) = AsyncStream.makeStream(of: ServerProcess.self)
            let (signals, signalContinuation) = AsyncStream.makeStream(of: Int32.self)
            let run = Task {
                // Finished also when the server fails to start, or the wait below never ends.
                defer { upContinuation.finish() }
                let (_, status) = try await ServerProcess.run(arguments, environment: environment) { server in
                    upContinuation.yield(server)
                    for await signal in signals {
                        try server.send(signal)
                        break
                    }
                }
                return status
            }
            var iterator = up.makeAsyncIterator()
            guard let server = await iterator.next() else {
                _ = try await run.value
                throw ServerProcess.Failure(description: "cinema \(arguments.joined(separator: " ")) did not start")
            }
            return Background(server: server, signals: signalContinuation, run: run)
        }

        /// Sends `signal` and returns the exit status.
        func stop(_ signal: Int32) async throws -> Int32 {
            signals.yield(signal)
            return try await run.value
        }

        /// For a test that failed midway: the server must not outlive it.
        func kill() async {
            signals.yield(SIGKILL)
            _ = try? await run.value
        }
    }

    @Test("Killed mid-clip and started again: the client rejoins, sends the clip's end it saw meanwhile, and the conversation goes on")
    func backendKilledMidClip() async throws {
        try await TemporaryDirectory.with { directory in
            // A greeting of 14 s, so that the backend is surely killed while it plays.
            let (home, _) = try await EndToEndClientTests.home(directory, greeting: 14)
            let environment = ["CINEMA_HOME": home]
            let player = try await Background.start(EndToEndClientTests.player, environment: environment)
            let first = try await Background.start(EndToEndClientTests.serve, environment: environment)
            let second = Shared<Background?>(nil)
            do {
                let port = first.server.port
                let connect = try await HTTPTestClient(base: first.server.base).post("/api/connect", "{}")
                let identifier = try #require(connect.json["identifier"]?.stringValue)
                var client = environment
                client["CINEMA_ROOM_URL"] = connect.json["room_url"]?.stringValue
                client["CINEMA_TOKEN"] = connect.json["token"]?.stringValue
                client["CINEMA_PLAYER_URL"] = player.server.base
                try await Self.killAndRejoin(
                    client: client,
                    first: first,
                    second: second,
                    port: port,
                    identifier: identifier,
                    environment: environment
                )
                #expect(try await player.stop(SIGTERM) == 0)
            } catch {
                for server in [player, first, second.get()].compactMap({ $0 }) { await server.kill() }
                throw error
            }
        }
    }

    private static func killAndRejoin(
        client: [String: String],
        first: Background,
        second: Shared<Background?>,
        port: Int,
        identifier: String,
        environment: [String: String]
    ) async throws {
        let (_, status, log) = try await WatchedProcess.run(["client"], environment: client) { process in
            let greeting = try await process.line(containing: "play-clip: turn 1")
            let clipID = try #require(EndToEndClientTests.clipID(in: greeting))
            try await process.line(containing: "clip-started: clip \(clipID)")
            // Killed once the backend has logged the start (a start it never heard would
            // leave the greeting undone, and it would be chosen again).
            try await HTTPTestClient(base: first.server.base).events("/api/sessions/\(identifier)/events") { events in
                for try await event in events where event.event == "clip-started" { break }
            }
            #expect(try await first.stop(SIGKILL) == 128 + SIGKILL)
            try await process.line(containing: "Room connection lost")
            // The greeting plays out while the backend is away; its end waits.
            try await process.line(containing: "clip-ended: clip \(clipID) (eof)")
            try await process.line(containing: "clip-ended goes when the client is back")

            let restarted = try await Background.start(
                ["serve", "--port", "\(port)", "--log-level", "error"],
                environment: environment
            )
            second.set(restarted)
            let http = HTTPTestClient(base: restarted.server.base)
            // Rejoined: the greeting's turn is over, so a typed turn is answered at once.
            try await process.line(containing: "bot-ready", occurrence: 2)
            try await process.line(containing: "Sent the 1 clip report(s) held while the room was away")
            let said = try await http.post("/api/sessions/\(identifier)/say", #"{"text": "Where are you going?"}"#)
            #expect(said.status == 200, "\(said.text)")
            try await process.line(containing: "play-clip: turn 2")
            _ = try await http.post("/api/sessions/\(identifier)/end", "{}")
            try await process.line(containing: "session-ended")
        }
        #expect(status == 0, "\(log.suffix(10))")
        let restarted = try #require(second.get())
        let events = try await HTTPTestClient(base: restarted.server.base).get("/api/sessions/\(identifier)").json["events"]
        guard case .array(let list) = events else { throw ServerProcess.Failure(description: "no events") }
        // The restarted backend took the greeting for over (a restored session has no clip in
        // flight), so the late report changed nothing there; the device came back to it.
        #expect(list.filter { $0["type"]?.stringValue == "participant-joined" }.count == 2)
        #expect(list.contains { $0["type"]?.stringValue == "clip-started" && $0["data"]?["clip_id"]?.int64Value.map(String.init) != nil })
        #expect(try await restarted.stop(SIGTERM) == 0)
    }
}
