import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaSpeech

@Suite("Voice activity")
struct VoiceActivityTests {
    static let rate = 16_000

    /// Quiet room noise, the same every run.
    static func noise(seconds: Double, amplitude: Double, seed: UInt64 = 1) -> [Int16] {
        var random = SeededGenerator(seed: seed)
        return (0..<Int(seconds * Double(rate))).map { _ in Int16(Double.random(in: -amplitude...amplitude, using: &random)) }
    }

    static func silence(_ seconds: Double) -> [Int16] { [Int16](repeating: 0, count: Int(seconds * Double(rate))) }

    static func mix(_ speech: [Int16], into room: inout [Int16], at offset: Int) {
        for (index, sample) in speech.enumerated() where offset + index < room.count {
            room[offset + index] = Int16(clamping: Int(room[offset + index]) + Int(sample))
        }
    }

    static func events(_ samples: [Int16], chunk: Int? = nil) -> [VoiceActivityDetector.Event] {
        var detector = VoiceActivityDetector()
        var events: [VoiceActivityDetector.Event] = []
        if let chunk {
            var offset = 0
            while offset < samples.count {
                events += detector.feed(samples[offset..<min(samples.count, offset + chunk)])
                offset += chunk
            }
        } else {
            events += detector.feed(samples)
        }
        return events + detector.finish()
    }

    static func utterances(_ events: [VoiceActivityDetector.Event]) -> [VoiceActivityDetector.Utterance] {
        events.compactMap { event in
            if case .ended(let utterance) = event { return utterance }
            return nil
        }
    }

    @Test("Finds each sentence in a noisy recording with pauses, within 100 ms of where it is", .tags(.media))
    func sentencesWithPauses() async throws {
        try await TemporaryDirectory.with { directory in
            let sentences = ["Hello, is anybody there?", "What is your name?", "I would like to see a film about the sea.", "Goodbye."]
            var room = Self.noise(seconds: 1.5, amplitude: 120)
            var truth: [(start: Double, end: Double)] = []
            for sentence in sentences {
                let speech = try await MediaFixtures.speech(sentence, in: directory)
                let audible = try #require(WAVFile(sampleRate: Self.rate, samples: speech).audibleRange(threshold: 400))
                let offset = room.count
                room += Self.noise(seconds: Double(speech.count) / Double(Self.rate) + 1.5, amplitude: 120, seed: UInt64(offset))
                Self.mix(speech, into: &room, at: offset)
                truth.append((Double(offset + audible.lowerBound) / Double(Self.rate), Double(offset + audible.upperBound) / Double(Self.rate)))
            }
            let found = Self.utterances(Self.events(room))
            #expect(found.count == sentences.count, "found \(found.map { ($0.start, $0.end) }), truth \(truth)")
            for (utterance, expected) in zip(found, truth) {
                #expect(abs(utterance.start - expected.start) <= 0.1, "start \(utterance.start) vs \(expected.start)")
                #expect(abs(utterance.end - expected.end) <= 0.1, "end \(utterance.end) vs \(expected.end)")
                #expect(!utterance.wasCut)
                // The audio handed on covers the speech, with a little before it.
                #expect(Double(utterance.samples.count) / Double(Self.rate) >= utterance.duration)
            }
            // Frames of odd sizes (a client sending 333 samples at a time) change nothing.
            #expect(Self.utterances(Self.events(room, chunk: 333)).map(\.start) == found.map(\.start))
        }
    }

    @Test("Silence, steady noise, a click and a cough-length burst start no turn")
    func notSpeech() {
        #expect(Self.events(Self.silence(5)).isEmpty)
        #expect(Self.events(Self.noise(seconds: 10, amplitude: 2000)).isEmpty)
        var click = Self.silence(2)
        for index in 16_000..<16_080 { click[index] = 20_000 }
        #expect(Self.utterances(Self.events(click)).isEmpty)
        var burst = Self.noise(seconds: 3, amplitude: 50)
        Self.mix(Self.noise(seconds: 0.25, amplitude: 8000, seed: 9), into: &burst, at: 16_000)
        let events = Self.events(burst)
        #expect(Self.utterances(events).isEmpty, "\(events)")
    }

    @Test("A noise that starts and never stops becomes the floor instead of an endless utterance")
    func noiseThatStarts() {
        let samples = Self.silence(2) + Self.noise(seconds: 40, amplitude: 3000)
        var detector = VoiceActivityDetector()
        let events = detector.feed(samples)
        #expect(!detector.isSpeaking)
        #expect(Self.utterances(events).count <= 2)
    }

    @Test("Over 15 s of speech is cut and transcribed; a stream that stops mid-word still ends its utterance")
    func longAndInterrupted() {
        // Clipped, full-scale "speech" for 20 s after a quiet second: the worst a microphone can do.
        let square = (0..<(20 * Self.rate)).map { index -> Int16 in (index / 40) % 2 == 0 ? Int16.max : Int16.min }
        let events = Self.events(Self.noise(seconds: 1, amplitude: 30) + square)
        let found = Self.utterances(events)
        #expect(found.first?.wasCut == true)
        #expect(abs((found.first?.duration ?? 0) - 15) < 0.05)

        var detector = VoiceActivityDetector()
        var talk = Self.noise(seconds: 1, amplitude: 30)
        talk += Self.noise(seconds: 1, amplitude: 6000, seed: 3)
        let before = detector.feed(talk)
        #expect(before.count == 1)
        #expect(detector.isSpeaking)
        let after = detector.finish()
        #expect(Self.utterances(after).count == 1)
        #expect(!detector.isSpeaking)
    }
}

/// A small deterministic generator (SplitMix64) for test noise.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Voice activity: pauses")
struct VoicePauseTests {

    @Test("With pauseSeconds, a pause is told once, as the utterance would end there; a visitor who goes on gets a later end")
    func pauses() async throws {
        try await TemporaryDirectory.with { directory in
            // Without espeak's own silence at either end, so that the pauses are the ones set here.
            let first = try await MediaFixtures.audibleSpeech("tell me", in: directory)
            let second = try await MediaFixtures.audibleSpeech("a story", in: directory)
            // A 0.5 s pause (past the 0.3 s that starts a guess, short of the 0.8 s that ends
            // the utterance), then the rest, then silence.
            let samples = VoiceActivityTests.silence(1) + first + VoiceActivityTests.silence(0.5) + second + VoiceActivityTests.silence(2)
            var configuration = VoiceActivityDetector.Configuration()
            configuration.pauseSeconds = 0.3
            var detector = VoiceActivityDetector(configuration: configuration)
            let events = detector.feed(samples) + detector.finish()
            let paused = events.compactMap { event -> VoiceActivityDetector.Utterance? in
                if case .paused(let utterance) = event { return utterance }
                return nil
            }
            let ended = VoiceActivityTests.utterances(events)
            #expect(ended.count == 1, "one utterance across the short pause: \(events.count) events")
            let utterance = try #require(ended.first)
            // Each pause once: espeak's own silences within a phrase may add one more.
            #expect(paused.count >= 2, "the mid-sentence pause and the final one")
            #expect(Set(paused.map(\.end)).count == paused.count, "each pause told once")
            // The last guess is the utterance exactly: nothing was said after it.
            #expect(paused.last?.end == utterance.end)
            #expect(paused.last?.samples.count == utterance.samples.count)
            #expect(paused.last?.samples.elementsEqual(utterance.samples) == true)
            // An earlier guess ends before the rest was said.
            #expect(try #require(paused.first).end < utterance.end - 0.5)
            // Without the setting, nothing changes for anyone else.
            #expect(VoiceActivityTests.events(samples).allSatisfy { if case .paused = $0 { false } else { true } })
        }
    }
}
