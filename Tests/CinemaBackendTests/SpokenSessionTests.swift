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
                    try await device.readyPastGreeting()
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

@Suite("How a station's room listens: tuning, barge-in, the microphone's format")
struct ListeningSettingsTests {
    /// A second of "speech" (a warbling tone loud enough for the detector) at `rate`, `channels`.
    static func voice(rate: Int, channels: Int, seconds: Double = 1.2) -> [Int16] {
        let count = Int(Double(rate) * seconds)
        return (0..<count).flatMap { index -> [Int16] in
            let t = Double(index) / Double(rate)
            let value = Int16(9000 * sin(2 * .pi * (220 + 80 * sin(2 * .pi * 3 * t)) * t))
            return [Int16](repeating: value, count: channels)
        }
    }

    static func bytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
    }

    static func whisper(_ url: String) -> WhisperRecognizer {
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = url + "/v1"
        configuration.retries = 0
        return WhisperRecognizer(configuration: configuration)
    }

    @Test("Settings come from speech.* and per station from speech.station.NAME.*; nonsense is refused by name")
    func settings() async throws {
        let reader = try await ConfigurationLayers.reader(
            environment: [
                "CINEMA_SPEECH_STOP_SECONDS": "1.2",
                "CINEMA_SPEECH_STATIONS": "lobby, attic",
                "CINEMA_SPEECH_STATION_LOBBY_BARGE_IN": "true",
                "CINEMA_SPEECH_STATION_LOBBY_DECIBELS_OVER_FLOOR": "14",
            ],
            dotEnvPath: nil
        )
        let catalog = try SpeechSettingsCatalog(reader: reader)
        #expect(catalog.settings(for: nil).detector.stopSeconds == 1.2)
        #expect(catalog.settings(for: nil).bargeIn == false)
        #expect(catalog.settings(for: "lobby").bargeIn == true)
        #expect(catalog.settings(for: "lobby").detector.decibelsOverFloor == 14)
        #expect(catalog.settings(for: "lobby").detector.stopSeconds == 1.2, "a station starts from the defaults")
        #expect(catalog.settings(for: "attic") == catalog.settings(for: nil))
        #expect(catalog.settings(for: "elsewhere") == catalog.settings(for: nil))

        let wrong = try await ConfigurationLayers.reader(environment: ["CINEMA_SPEECH_STOP_SECONDS": "30"], dotEnvPath: nil)
        let error = #expect(throws: SpeechSettingsError.self) { try SpeechSettingsCatalog(reader: wrong) }
        #expect(error?.description.contains("speech.stopSeconds is 30.0") == true, "\(String(describing: error))")
    }

    @Test("Barge-in: a 48 kHz stereo microphone, declared, speaks over a clip; the clip stops and the words are the next turn")
    func bargeIn() async throws {
        let format = AudioFormat(sampleRate: 48_000, channels: 2)
        let speech = Self.bytes(
            [Int16](repeating: 0, count: 48_000) + Self.voice(rate: 48_000, channels: 2) + [Int16](repeating: 0, count: 2 * 48_000 * 2)
        )
        try await FakeModelServer.with([.body(status: 200, #"{"text": "Who are you?"}"#)]) { url, server in
            var catalog = SpeechSettingsCatalog()
            catalog.stations["lobby"] = {
                var settings = SpeechSettings()
                settings.bargeIn = true
                return settings
            }()
            let stage = RecognizingSpeechStage(recognizer: Self.whisper(url), settings: catalog)
            try await BackendHarness.withBackend(speech: stage) { backend in
                let session = try await backend.connect(station: "lobby")
                try await RoomTestClient.connect(to: session.deviceURL) { device in
                    try await device.send(.clientReady(audio: format))
                    let greeting = try await device.next("server-message", serverType: "play-clip")
                    try await device.send(.clipStarted(try #require(greeting.clipID)))
                    _ = try await device.next("user-mute-started")
                    // 20 ms frames at 48 kHz stereo: 3,840 bytes.
                    for start in stride(from: 0, to: speech.count, by: 3840) {
                        try await device.send(binary: Array(speech[start..<min(speech.count, start + 3840)]))
                    }
                    _ = try await device.next("server-message", serverType: "stop-clip", within: .seconds(30))
                    _ = try await device.next("user-mute-stopped")
                    _ = try await device.next("user-started-speaking")
                    _ = try await device.next("user-stopped-speaking", within: .seconds(30))
                    let heard = try await device.next("user-transcription", within: .seconds(30))
                    #expect(heard.data?["text"]?.stringValue == "Who are you?")
                    let answer = try await device.next("server-message", serverType: "play-clip", within: .seconds(30))
                    #expect(answer.turn == 2)
                    // The stopped greeting's own report comes late and changes nothing.
                    try await device.send(.clipEnded(try #require(greeting.clipID), reason: "stopped"))
                }
                // What reached the recognizer: 16 kHz mono, as long as the voice (plus the
                // detector's preroll), not three times longer or twice as wide.
                let wav = try #require(await server.received.first?.uploadedWAV)
                #expect(wav.sampleRate == 16_000)
                #expect(wav.channels == 1)
                #expect(wav.duration > 1.1 && wav.duration < 1.7, "\(wav.duration) s")
                let events = try await backend.events(of: session.identifier)
                let ended = events.filter { $0["type"]?.stringValue == "clip-ended" }
                #expect(ended.count == 1)
                #expect(ended.first?["data"]?["reason"]?.stringValue == "barge-in")
            }
        }
    }

    @Test(
        "A microphone declared in a format the room cannot hear gets one clear error; typed turns still work",
        arguments: [#"{"sample_rate": 96000, "channels": 1}"#, #"{"sample_rate": 16000, "channels": 6}"#, #"{"sample_rate": "fast"}"#]
    )
    func unsupportedFormat(declared: String) async throws {
        let stage = RecognizingSpeechStage(recognizer: Self.whisper("http://127.0.0.1:9"))
        try await BackendHarness.withBackend(speech: stage) { backend in
            let session = try await backend.connect()
            try await RoomTestClient.connect(to: session.deviceURL) { device in
                try await device.send(
                    text: #"{"label": "rtvi-ai", "type": "client-ready", "id": "r1", "data": {"version": "2.1.0", "audio": \#(declared)}}"#
                )
                let error = try await device.next("error")
                #expect(error.data?["code"]?.stringValue == "audio-format-unsupported")
                #expect(error.data?["error"]?.stringValue?.contains("16 kHz mono") == true)
                #expect(error.data?["fatal"]?.boolValue == false)
                let greeting = try await device.next("server-message", serverType: "play-clip")
                try await device.send(.clipStarted(try #require(greeting.clipID)))
                try await device.send(.clipEnded(try #require(greeting.clipID)))
                _ = try await device.next("user-mute-stopped")
                let voice = Self.bytes(Self.voice(rate: 16_000, channels: 1, seconds: 4))
                for start in stride(from: 0, to: voice.count, by: 640) {
                    try await device.send(binary: Array(voice[start..<min(voice.count, start + 640)]))
                }
                try await device.send(.sendText("Are you there?"))
                let answer = try await device.next("server-message", serverType: "play-clip")
                #expect(answer.turn == 2)
                #expect(device.seenMessages.allSatisfy { !$0.contains("user-started-speaking") }, "the audio was not heard")
            }
        }
    }
}
