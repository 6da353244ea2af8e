import CinemaBackend
import CinemaCore
import CinemaTestSupport
import Foundation
import NIOWebSocket
import Testing

@Suite("Rooms over WebSocket", .timeLimit(.minutes(2)))
struct RoomTests {
    @Test("A whole session: join, greeting, clip played, typed turn, answer, end, and no way back in")
    func wholeSession() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect(station: "tv-1")
            let observerURL = session.roomURL + "?role=observer"
            let (_, close) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                // An observer (the dashboard) watches the same room.
                try await RoomTestClient.connect(to: observerURL) { observer in
                    try await device.send(.clientReady(id: "join-1"))
                    let ready = try await device.next("bot-ready")
                    #expect(ready.id == "join-1")
                    #expect(ready.data?["about"]?["library"]?.stringValue == "cinema-chat")

                    let greeting = try await device.next("server-message", serverType: "play-clip")
                    #expect(greeting.turn == 1)
                    let clip = try #require(greeting.data?["clip"])
                    #expect(clip["film_title"]?.stringValue?.isEmpty == false)
                    #expect((clip["end"]?.doubleValue ?? 0) > (clip["start"]?.doubleValue ?? 0))
                    #expect(clip["text"]?.stringValue?.isEmpty == false)
                    let watched = try await observer.next("server-message", serverType: "play-clip")
                    #expect(watched.clipID == greeting.clipID)
                    #expect(try await observer.next("bot-llm-text").data?["text"]?.stringValue?.isEmpty == false)

                    // The microphone is ignored while the clip plays.
                    try await device.send(.clipStarted(try #require(greeting.clipID)))
                    _ = try await device.next("user-mute-started")
                    try await device.send(.clipEnded(try #require(greeting.clipID)))
                    _ = try await device.next("user-mute-stopped")

                    try await device.send(.sendText("Who are you?"))
                    let heard = try await device.next("user-transcription")
                    #expect(heard.data?["text"]?.stringValue == "Who are you?")
                    #expect(heard.data?["final"]?.boolValue == true)
                    let answer = try await device.next("server-message", serverType: "play-clip")
                    #expect(answer.turn == 2)
                    #expect(answer.clipID != greeting.clipID)
                    let metrics = try await device.next("metrics")
                    #expect(metrics.data?["turn"]?.int64Value == 2)
                    #expect((metrics.data?["total_ms"]?.doubleValue ?? -1) >= 0)
                    #expect(metrics.data?["spoken"]?.boolValue == false)
                    #expect(metrics.data?["player_ms"] == nil)
                    try await device.send(.clipStarted(try #require(answer.clipID)))
                    // The same turn again, now with the player's part.
                    let started = try #require(TurnTimings(try await device.next("metrics").data))
                    #expect(started.turn == 2)
                    #expect((started.playerMilliseconds ?? -1) >= 0)
                    #expect(started.speechToScreenMilliseconds == nil)
                    try await device.send(.clipEnded(try #require(answer.clipID)))
                    _ = try await device.next("user-mute-stopped")

                    let end = try await backend.http.post("/api/sessions/\(session.identifier)/end")
                    #expect(end.status == 200, "\(end.text)")
                    let ended = try await device.next("server-message", serverType: "session-ended")
                    #expect(ended.data?["reason"]?.stringValue == "operator")
                    #expect(try await observer.next("server-message", serverType: "session-ended").data?["reason"]?.stringValue == "operator")
                    _ = try await device.waitForClose()
                }
            }
            #expect(close?.closeCode == .normalClosure)

            // Reconnecting to an ended session gets session-ended and a normal close.
            let (messages, again) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.readyThenWaitForClose()
            }
            #expect(messages.map(\.serverMessageType) == ["session-ended"])
            #expect(again?.closeCode == .normalClosure)

            let types = try await backend.eventTypes(of: session.identifier)
            // The observer's join and the device's greeting (its state change) race: either
            // may be logged first. Everything from the greeting's decision on is in order.
            #expect(types.first == "session-created")
            #expect(
                types.dropFirst().prefix(3).sorted() == ["participant-joined", "participant-joined", "state-changed"],
                "\(types)"
            )
            #expect(
                Array(types.dropFirst(4)) == [
                    "decision", "clip-started", "clip-ended", "state-changed", "visitor-text", "decision", "clip-started", "clip-ended",
                    "state-changed", "session-ended",
                ]
            )
            let status = try await backend.session(session.identifier)
            #expect(status["status"]?.stringValue == "ended")
            #expect(status["end_reason"]?.stringValue == "operator")
            #expect(status["turns"]?.int64Value == 2)
        }
    }

    @Test("Tokens: missing, garbage, tampered, expired and another room's are refused with a reason; the right one works")
    func tokens() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let other = try await backend.connect()
            let expired = try backend.signer().issue(room: session.identifier, expires: Date().addingTimeInterval(-60))
            var tampered = Array(session.token)
            tampered[tampered.count - 2] = tampered[tampered.count - 2] == "A" ? "B" : "A"

            let cases: [(String, String)] = [
                (session.roomURL, "token-missing"),
                (session.roomURL + "?token=garbage", "token-malformed"),
                (session.roomURL + "?token=" + String(tampered), "token-invalid"),
                (session.roomURL + "?token=" + expired, "token-expired"),
                (session.roomURL + "?token=" + other.token, "token-wrong-room"),
            ]
            for (url, code) in cases {
                let (messages, close) = try await RoomTestClient.connect(to: url) { device in try await device.readyThenWaitForClose() }
                #expect(messages.count == 1, "\(code)")
                #expect(messages.first?.type == "error")
                #expect(messages.first?.data?["code"]?.stringValue == code)
                #expect(messages.first?.data?["fatal"]?.boolValue == true)
                #expect(messages.first?.data?["error"]?.stringValue?.isEmpty == false)
                #expect(close?.closeCode == .policyViolation, "\(code)")
            }
            // curl on the room (no upgrade) gets the same reason as JSON.
            let plain = try await backend.http.get("/rooms/\(session.identifier)?token=" + expired)
            #expect(plain.status == 403)
            #expect(plain.json["code"]?.stringValue == "token-expired")
            #expect(try await backend.http.get("/rooms/\(session.identifier)").status == 401)
            #expect(try await backend.http.get("/rooms/\(session.identifier)?token=" + session.token).status == 426)

            // None of that hurt the session: its device joins with the right token.
            let (ready, _) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady())
                return try await device.next("bot-ready").type
            }
            #expect(ready == "bot-ready")
        }
    }

    @Test("Unknown rooms and a second device are refused clearly; observers may still join")
    func refusals() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let base = session.roomURL.replacingOccurrences(of: session.identifier, with: "")
            let unknownID = UUID().uuidString.lowercased()
            let forged = try backend.signer().issue(room: unknownID, expires: Date().addingTimeInterval(60))
            let (unknown, unknownClose) = try await RoomTestClient.connect(to: base + unknownID + "?token=" + forged) {
                try await $0.readyThenWaitForClose()
            }
            #expect(unknown.first?.data?["code"]?.stringValue == "unknown-session")
            #expect(unknownClose?.closeCode == .policyViolation)

            try await RoomTestClient.connect(to: session.deviceURL) { first in
                try await first.send(.clientReady())
                _ = try await first.next("bot-ready")
                let (second, secondClose) = try await RoomTestClient.connect(to: session.deviceURL) { try await $0.readyThenWaitForClose() }
                #expect(second.first?.data?["code"]?.stringValue == "room-occupied")
                #expect(second.first?.data?["fatal"]?.boolValue == true)
                #expect(secondClose?.closeCode == .policyViolation)
                // The first device is undisturbed.
                try await first.send(.sendText("Hello there."))
                _ = try await first.next("user-transcription")
                let (observed, _) = try await RoomTestClient.connect(to: session.roomURL + "?role=observer") { observer in
                    try await observer.send(.sendText("observers cannot act"))
                    return try await observer.next("error").data?["code"]?.stringValue
                }
                #expect(observed == "observer-read-only")
            }
        }
    }

    @Test("Malformed envelopes and oversized frames get errors; repeated abuse closes the socket with 1008")
    func abuse() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let (codes, close) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady())
                _ = try await device.next("bot-ready")
                var codes: [String] = []
                // A well-formed message of a type the backend does not act on is answered, not punished.
                try await device.send(RoomMessage(type: "describe-actions"))
                codes.append(try await device.next("error").data?["code"]?.stringValue ?? "")
                // Normal audio is accepted silently.
                for _ in 0..<10 { try await device.send(binary: [UInt8](repeating: 0, count: 640)) }
                for bad in ["not json", "[1,2]", #"{"label":"other","type":"send-text"}"#, #"{"label":"rtvi-ai","type":"send-text","data":{}}"#] {
                    try await device.send(text: bad)
                    let error = try await device.next("error")
                    #expect(error.data?["fatal"]?.boolValue == false)
                    codes.append(error.data?["code"]?.stringValue ?? "")
                }
                try await device.send(binary: [UInt8](repeating: 1, count: 100_000))
                codes.append(try await device.next("error").data?["code"]?.stringValue ?? "")
                let last = try await device.waitForClose()
                codes += last.compactMap { $0.data?["code"]?.stringValue }
                return codes
            }
            #expect(
                codes == [
                    "unsupported-message", "malformed-message", "malformed-message", "malformed-message", "malformed-message",
                    "frame-too-large", "policy-violation",
                ]
            )
            #expect(close?.closeCode == .policyViolation)
            // The session lives on; the errors are in its log.
            let summary = try await backend.session(session.identifier)
            #expect(summary["status"]?.stringValue == "greeting" || summary["status"]?.stringValue == "conversing")
            let errors = try await backend.events(of: session.identifier).filter { $0["type"]?.stringValue == "error" }
            #expect(errors.count == 4)
            let metrics = try await backend.http.get("/metrics").text
            #expect(metrics.contains("cinema_audio_frames_total 10"))
        }
    }

    @Test("A device that drops and returns within the grace period resumes; one that stays away ends the session")
    func graceAndResume() async throws {
        // Long enough for a reconnect on a loaded 2-core machine (4 s was not, once), short
        // enough to wait out.
        let configuration = BackendHarness.configuration { $0.gracePeriod = 10 }
        try await BackendHarness.withBackend(configuration: configuration) { backend in
            let session = try await backend.connect()
            let greeting = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.readyPastGreeting().clipID
            }.0
            #expect(greeting != nil)
            // Back within the grace period: no second greeting, and turns work.
            let (turn, _) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady(id: "again"))
                #expect(try await device.next("bot-ready").id == "again")
                try await device.send(.sendText("Do you believe in ghosts?"))
                return try await device.next("server-message", serverType: "play-clip").turn
            }
            #expect(turn == 2)
            // Gone for good: the session ends for that reason.
            let deadline = ContinuousClock.now + .seconds(40)
            var status = ""
            while ContinuousClock.now < deadline {
                status = try await backend.session(session.identifier)["end_reason"]?.stringValue ?? ""
                if !status.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "device-gone")
        }
    }

    @Test("Saying goodbye plays the farewell and ends the session once it has played")
    func goodbye() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let (reason, _) = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady())
                let greeting = try await device.next("server-message", serverType: "play-clip")
                try await device.send(.clipEnded(try #require(greeting.clipID)))
                try await device.send(.sendText("Goodbye!"))
                let farewell = try await device.next("server-message", serverType: "play-clip")
                try await device.send(.clipStarted(try #require(farewell.clipID)))
                try await device.send(.clipEnded(try #require(farewell.clipID)))
                return try await device.next("server-message", serverType: "session-ended").data?["reason"]?.stringValue
            }
            #expect(reason == "goodbye")
            let decisions = try await backend.events(of: session.identifier).filter { $0["type"]?.stringValue == "decision" }
            #expect(decisions.last?["data"]?["kind"]?.stringValue == "farewell")
            #expect(decisions.last?["data"]?["visitor"]?.stringValue == "Goodbye!")
        }
    }

    /// A device that joins, sees the greeting out and then says nothing: the farewell must come
    /// within 10 s. Returns the reason the session ended with.
    static func leftIdle(_ deviceURL: String) async throws -> String? {
        try await RoomTestClient.connect(to: deviceURL) { device in
            try await device.send(.clientReady())
            let greeting = try await device.next("server-message", serverType: "play-clip")
            try await device.send(.clipEnded(try #require(greeting.clipID)))
            let farewell = try await device.next("server-message", serverType: "play-clip", within: .seconds(10))
            #expect(farewell.turn == 2)
            try await device.send(.clipEnded(try #require(farewell.clipID)))
            return try await device.next("server-message", serverType: "session-ended").data?["reason"]?.stringValue
        }.0
    }

    @Test("A session left idle says farewell and ends")
    func idleTimeout() async throws {
        let configuration = BackendHarness.configuration { $0.idleTimeout = 1 }
        try await BackendHarness.withBackend(configuration: configuration) { backend in
            let session = try await backend.connect()
            #expect(try await Self.leftIdle(session.deviceURL) == "idle")
        }
    }

    @Test(
        "A session created with its own idle_timeout (a station with a handset) says farewell after it, not the backend's; and its created event keeps it; a bad one is refused"
    )
    func ownIdleTimeout() async throws {
        // The backend's own idle timeout is the default five minutes: only the session's can end it.
        try await BackendHarness.withBackend { backend in
            let operatorHeader = ["Authorization": "Bearer \(backend.operatorToken)"]
            for bad in [#"{"idle_timeout": 0}"#, #"{"idle_timeout": 100000}"#, #"{"idle_timeout": "soon"}"#] {
                let refused = try await backend.http.post("/api/connect", bad, headers: operatorHeader)
                #expect(refused.status == 422, "\(bad): \(refused.text)")
                #expect(refused.text.contains("idle_timeout"), "\(refused.text)")
            }
            let reply = try await backend.http.post("/api/connect", #"{"station": "tv", "idle_timeout": 1}"#, headers: operatorHeader)
            let identifier = try #require(reply.json["identifier"]?.stringValue)
            let url = try #require(reply.json["room_url"]?.stringValue) + "?token=" + (try #require(reply.json["token"]?.stringValue))
            #expect(try await Self.leftIdle(url) == "idle")
            let created = try await backend.events(of: identifier).first { $0["type"]?.stringValue == "session-created" }
            #expect(created?["data"]?["idle_timeout"]?.doubleValue == 1, "\(String(describing: created))")
        }
    }

    @Test("Turns typed while a clip plays wait for it, merged into one answer that both callers get")
    func queuedTurnsMerge() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady())
                let greeting = try await device.next("server-message", serverType: "play-clip")
                try await device.send(.clipStarted(try #require(greeting.clipID)))
                _ = try await device.next("user-mute-started")
                let path = "/api/sessions/\(session.identifier)/say"
                async let first = backend.http.post(path, #"{"text": "Who are you?"}"#)
                // The second arrives after the first is queued (its transcription is the proof).
                _ = try await device.next("user-transcription")
                async let second = backend.http.post(path, #"{"text": "Where are you going?"}"#)
                _ = try await device.next("user-transcription")
                try await device.send(.clipEnded(try #require(greeting.clipID)))
                let answer = try await device.next("server-message", serverType: "play-clip")
                let (one, two) = try await (first, second)
                #expect(one.status == 200 && two.status == 200, "\(one.text) \(two.text)")
                #expect(one.json["turn"] == two.json["turn"])
                #expect(one.json["turn"]?.int64Value == 2)
                #expect(one.json["visitor"]?.stringValue == "Who are you? Where are you going?")
                #expect(one.json["utterances"] == .array([.number(1), .number(2)]))
                #expect(answer.clipID == one.json["clip"]?["id"]?.int64Value)
            }
        }
    }
}
