import CinemaBackend
import CinemaCore
import CinemaSpeech
import CinemaTestSupport
import Foundation
import Testing

@Suite("Rooms that hear the visitor")
struct SpokenSessionTests {
    static func frames(of samples: [Int16], milliseconds: Int = 20) -> [[UInt8]] {
        let count = 16 * milliseconds
        return stride(from: 0, to: samples.count, by: count).map { start in
            samples[start..<min(samples.count, start + count)].flatMap { sample in
                [UInt8(truncatingIfNeeded: UInt16(bitPattern: sample)), UInt8(truncatingIfNeeded: UInt16(bitPattern: sample) >> 8)]
            }
        }
    }

    @Test("A device streaming a spoken WAV as its microphone gets speaking signals, a transcript and a play-clip")
    func spokenTurn() async throws {
        let path = SharedData.speech + "/notld/10s_back_down_the_road.wav"
        let audio = try WAVFile(bytes: [UInt8](try #require(FileManager.default.contents(atPath: path))))
        // A second of room tone on each side, as a microphone would give.
        let microphone = [Int16](repeating: 0, count: 16_000) + audio.samples + [Int16](repeating: 0, count: 24_000)
        let stage = RecognizingSpeechStage(recognizer: try PocketSphinxRecognizer())
        try await BackendHarness.withBackend(speech: stage) { backend in
            let session = try await backend.connect()
            let heard = try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(.clientReady())
                let greeting = try await device.next("server-message", serverType: "play-clip")
                // Audio while the greeting plays is ignored: the TV must not hear itself.
                try await device.send(.clipStarted(try #require(greeting.clipID)))
                _ = try await device.next("user-mute-started")
                for frame in Self.frames(of: [Int16](repeating: 9000, count: 16_000)) { try await device.send(binary: frame) }
                try await device.send(.clipEnded(try #require(greeting.clipID)))
                _ = try await device.next("user-mute-stopped")
                // Frames of an odd size, as a careless client might send: 641 bytes each.
                let bytes = Self.frames(of: microphone).flatMap { $0 }
                for start in stride(from: 0, to: bytes.count, by: 641) {
                    try await device.send(binary: Array(bytes[start..<min(bytes.count, start + 641)]))
                }
                _ = try await device.next("user-started-speaking", within: .seconds(60))
                _ = try await device.next("user-stopped-speaking", within: .seconds(60))
                let transcript = try await device.next("user-transcription", within: .seconds(60))
                let answer = try await device.next("server-message", serverType: "play-clip", within: .seconds(60))
                #expect(answer.turn == 2)
                // The turn's timings: the detector's hangover, recognition, then the director.
                let sent = try #require(TurnTimings(try await device.next("metrics").data))
                #expect(sent.turn == 2)
                let vad = try #require(sent.vadMilliseconds)
                #expect(vad >= 700 && vad <= 900, "the stop hangover is 0.8 s; vad_ms \(vad)")
                let stt = try #require(sent.sttMilliseconds)
                #expect(stt > 0)
                #expect(sent.totalMilliseconds >= stt, "the turn's clock starts before recognition")
                try await device.send(.clipStarted(try #require(answer.clipID)))
                let started = try #require(TurnTimings(try await device.next("metrics").data))
                let screen = try #require(started.speechToScreenMilliseconds)
                #expect(screen >= vad + stt)
                return transcript.data?["text"]?.stringValue ?? ""
            }.0
            #expect(!heard.isEmpty)
            let scrape = try await backend.http.get("/metrics").text
            #expect(scrape.contains("cinema_speech_to_play_seconds_count 1"), "\(scrape)")
            #expect(scrape.contains("cinema_speech_to_screen_seconds_count 1"))
            #expect(scrape.contains("cinema_speech_recognition_seconds_count 1"))
            let detail = try await backend.http.get(
                "/api/sessions/\(session.identifier)",
                headers: ["Authorization": "Bearer \(backend.operatorToken)"]
            ).json
            guard case .array(let events) = detail["events"] else {
                Issue.record("no events: \(detail)")
                return
            }
            let spoken = events.filter { $0["type"]?.stringValue == "visitor-text" }
            #expect(spoken.count == 1, "only the microphone's words, not the TV's own sound")
            #expect(spoken.first?["data"]?["source"]?.stringValue == "speech")
            #expect(spoken.first?["data"]?["stt_ms"]?.doubleValue ?? 0 > 0)
            let decision = events.first { $0["type"]?.stringValue == "decision" && $0["data"]?["turn"]?.doubleValue == 2 }
            #expect(decision?["data"]?["timings"]?["vad_ms"]?.doubleValue ?? 0 > 0)
            let started = events.last { $0["type"]?.stringValue == "clip-started" }
            #expect(started?["data"]?["speech_to_screen_ms"]?.doubleValue ?? 0 > 0)
            #expect(events.contains { $0["type"]?.stringValue == "decision" && $0["data"]?["visitor"]?.stringValue == heard })
        }
    }

    @Test("A recognizer that is down: the session logs an error the operator sees, and carries on")
    func recognizerDown() async throws {
        var whisper = WhisperRecognizer.Configuration()
        whisper.baseURL = "http://127.0.0.1:9/v1"
        whisper.retries = 0
        let stage = RecognizingSpeechStage(recognizer: WhisperRecognizer(configuration: whisper))
        let speech =
            [Int16](repeating: 0, count: 8000)
            + (0..<24_000).map { index in Int16(8000 * sin(Double(index) * 0.05) * (index % 400 < 300 ? 1 : 0.3)) }
            + [Int16](repeating: 0, count: 24_000)
        try await BackendHarness.withBackend(speech: stage) { backend in
            let session = try await backend.connect()
            let (seen, _) = try await RoomTestClient.connect(to: session.roomURL + "?role=observer&token=" + backend.operatorToken) { observer in
                try await RoomTestClient.connect(to: session.deviceURL) { device in
                    try await device.send(.clientReady())
                    let greeting = try await device.next("server-message", serverType: "play-clip")
                    try await device.send(.clipStarted(try #require(greeting.clipID)))
                    try await device.send(.clipEnded(try #require(greeting.clipID)))
                    _ = try await device.next("user-mute-stopped")
                    for frame in Self.frames(of: speech) { try await device.send(binary: frame) }
                    _ = try await device.next("user-stopped-speaking", within: .seconds(30))
                    // Still in the room and still answering typed turns.
                    try await device.send(.sendText("Are you there?"))
                    _ = try await device.next("server-message", serverType: "play-clip", within: .seconds(30))
                }
                return try await observer.next("error", within: .seconds(30)).data?["code"]?.stringValue
            }
            #expect(seen == "speech-failed")
            let types = try await backend.eventTypes(of: session.identifier)
            #expect(types.contains("error"))
        }
    }
}
