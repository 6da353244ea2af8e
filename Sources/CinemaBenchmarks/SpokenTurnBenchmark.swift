import ArgumentParser
import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// End of speech → `play-clip`, the offline stack end to end: a real `cinema serve` with its
/// recognizer (by default Whisper through the model service when installed, `--speech` to
/// choose) and the library, and a device that speaks visitor questions (espeak-ng) into the
/// room in real time, 20 ms at a time, as a microphone would, with room silence after each.
struct SpokenTurnBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spoken",
        abstract: "Benchmark spoken turns: the visitor's last sound to play-clip, with the offline recognizer."
    )

    @Option(help: "The recognizer: whisper or pocketsphinx (default: cinema serve's own default).")
    var speech: String?

    @Option(help: "Folder of .srt files for the library (the 60 films of ../shared/data/films).")
    var films: String

    @Option(help: "Spoken turns to time.")
    var turns = 30

    @Option(help: "Extra environment for cinema serve, KEY=VALUE (repeatable), e.g. a language model setting.")
    var env: [String] = []

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    static let questions = [
        "what is your name", "where are you from", "do you like the movies", "are you afraid of the dark",
        "what are you doing here", "tell me a story", "who are you", "is anybody there", "i love you",
        "what time is it", "do you want to dance", "where are we going", "are you hungry", "what do you want from me",
        "can you help me", "how old are you", "why are you so sad", "is it going to rain", "do you believe in ghosts",
        "what happened last night",
    ]

    func run() async throws {
        let home = try await ScratchHome.indexing(films, for: "spoken")
        defer { home.remove() }
        var spoken: [(text: String, samples: [Int16], speechEnd: Int)] = []
        let directory = try TemporaryDirectory(path: home.scratch + "/speech")
        for question in Self.questions {
            let samples = try await MediaFixtures.speech(question, in: directory)
            // The visitor's last sound: espeak-ng pads its output with a little silence.
            let end = (samples.lastIndex { abs(Int($0)) > 300 } ?? samples.count - 1) + 1
            spoken.append((question, samples, end))
        }
        print("# cinema-bench spoken — \(home.cues) cues, \(turns) turns, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")

        var environment = ["CINEMA_HOME": home.home, "CINEMA_BACKEND_IDLE_TIMEOUT": "3600"]
        for pair in env {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--env takes KEY=VALUE, not '\(pair)'.") }
            environment[parts[0]] = parts[1]
        }
        let turns = self.turns
        let sentences = spoken
        let (results, _) = try await ServerProcess.run(
            ["serve", "--port", "0", "--log-level", "error"] + (speech.map { ["--speech", $0] } ?? []),
            environment: environment,
            executable: cinema ?? CinemaExecutable.path
        ) { server in
            defer { try? server.send(SIGTERM) }
            return try await Self.measure(server, spoken: sentences, turns: turns)
        }

        let answered = results.filter { $0.latency != nil }
        let errors = results.reduce(into: (edits: 0, words: 0)) { sum, turn in
            let reference = SpeechBenchmark.words(turn.said)
            sum.edits += SpeechBenchmark.editDistance(reference, SpeechBenchmark.words(turn.heard ?? ""))
            sum.words += reference.count
        }
        print(
            String(
                format: "Recognizer: %@; word error rate over the turns: %.3f",
                speech ?? "default",
                Double(errors.edits) / Double(max(1, errors.words))
            )
        )
        print("Turns answered: \(answered.count) of \(results.count) (the rest were heard as nothing and dropped by the transcript filter).\n")
        let rows: [(String, [Double])] = [
            ("visitor's last sound → play-clip on the device", answered.compactMap(\.latency)),
            ("of which the detector's stop hangover (vad_ms)", answered.compactMap { $0.timings?.vadMilliseconds }),
            ("recognition (stt_ms)", answered.compactMap { $0.timings?.sttMilliseconds }),
            ("director (director_ms)", answered.compactMap { $0.timings?.directorMilliseconds }),
            ("detector's end → play-clip sent (total_ms)", answered.compactMap { $0.timings?.totalMilliseconds }),
            (
                "work after the hangover (latency − vad_ms)",
                answered.compactMap { turn in turn.latency.flatMap { l in turn.timings?.vadMilliseconds.map { l - $0 } } }
            ),
        ]
        print("| measure | n | p50 ms | p90 ms | p99 ms | max ms |")
        print("|---|---|---|---|---|---|")
        for (name, values) in rows {
            let p = Percentiles(values)
            print(String(format: "| %@ | %d | %.0f | %.0f | %.0f | %.0f |", name, p.count, p.p50, p.p90, p.p99, p.max))
        }
        print("\nWhat was heard (first 10):")
        for turn in results.prefix(10) {
            print("- \"\(turn.said)\" → \"\(turn.heard ?? "(nothing)")\"")
        }
    }

    struct Turn: Sendable {
        var said: String
        var heard: String?
        var latency: Double?
        var timings: TurnTimings?
    }

    static func measure(_ server: ServerProcess, spoken: [(text: String, samples: [Int16], speechEnd: Int)], turns: Int) async throws -> [Turn] {
        let http = HTTPTestClient(base: server.base)
        let connect = try await http.post("/api/connect", "{}")
        guard let url = connect.json["room_url"]?.stringValue, let token = connect.json["token"]?.stringValue else {
            throw ValidationError("connect failed: \(connect.text)")
        }
        return try await RoomTestClient.connect(to: url + "?token=" + token) { room in
            try await room.send(.clientReady())
            let greeting = try await room.next("server-message", serverType: "play-clip", within: .seconds(60))
            try await room.send(.clipStarted(greeting.clipID ?? 0))
            try await room.send(.clipEnded(greeting.clipID ?? 0))
            _ = try await room.next("user-mute-stopped", within: .seconds(30))
            var results: [Turn] = []
            for index in 0..<turns {
                let (text, samples, speechEnd) = spoken[index % spoken.count]
                results.append(try await speak(text, samples: samples, speechEnd: speechEnd, into: room))
            }
            return results
        }.0
    }

    /// Streams half a second of silence, the sentence, then silence until the answer comes
    /// (or 10 s pass), at the pace of a real microphone.
    static func speak(_ text: String, samples: [Int16], speechEnd: Int, into room: RoomTestClient) async throws -> Turn {
        let clock = ContinuousClock()
        let audio = [Int16](repeating: 0, count: 8_000) + samples
        let endSample = 8_000 + speechEnd
        let lastSound = Shared<ContinuousClock.Instant?>(nil)
        let answered = Shared(false)
        return try await withThrowingTaskGroup(of: Turn?.self) { group in
            group.addTask {
                var next = clock.now
                var offset = 0
                let silence = [UInt8](repeating: 0, count: 640)
                while !answered.withLock({ $0 }) {
                    if offset < audio.count {
                        let end = min(audio.count, offset + 320)
                        try await room.send(binary: VoiceActivityBenchmark.bytes(Array(audio[offset..<end])))
                        if offset < endSample && end >= endSample { lastSound.withLock { $0 = clock.now } }
                        offset = end
                    } else {
                        try await room.send(binary: silence)
                    }
                    next += .milliseconds(20)
                    try await Task.sleep(until: next, clock: clock)
                }
                return nil
            }
            group.addTask {
                defer { answered.withLock { $0 = true } }
                let budget = clock.now + .seconds(Double(audio.count) / 16_000 + 10)
                var heard: String?
                while clock.now < budget {
                    let message: RoomMessage
                    do {
                        message = try await room.next(within: budget - clock.now)
                    } catch {
                        break
                    }
                    switch try? ServerMessage(message) {
                    case .userTranscription(let transcription):
                        heard = transcription.text
                    case .playClip(_, let clip):
                        let received = clock.now
                        let latency = lastSound.withLock { $0 }.map { (received - $0) / .milliseconds(1) }
                        var timings: TurnTimings?
                        if case .metrics(let reported) = try ServerMessage(try await room.next("metrics")) { timings = reported }
                        try await room.send(.clipStarted(clip.id))
                        try await room.send(.clipEnded(clip.id))
                        _ = try await room.next("user-mute-stopped", within: .seconds(30))
                        return Turn(said: text, heard: heard, latency: latency, timings: timings)
                    default:
                        break
                    }
                }
                return Turn(said: text, heard: heard, latency: nil, timings: nil)
            }
            var turn: Turn?
            for try await result in group where result != nil { turn = result }
            return turn ?? Turn(said: text)
        }
    }
}
