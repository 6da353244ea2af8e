import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaSpeech

extension Tag {
    @Tag static var media: Self
}

@Suite("Speech to text with pocketsphinx")
struct PocketSphinxTests {
    static func words(_ text: String) -> Set<String> { Set(TranscriptFilter.normalize(text).split(separator: " ").map(String.init)) }

    @Test("Hears words in espeak-ng sentences (a floor; the word error rate is measured, not asserted)", .tags(.media))
    func espeakSentences() async throws {
        let recognizer = try PocketSphinxRecognizer()
        try await TemporaryDirectory.with { directory in
            let sentences = ["what is your name", "i want to go home", "do you like the movies", "where are you going tonight"]
            var heard = 0
            var total = 0
            for sentence in sentences {
                let samples = try await MediaFixtures.speech(sentence, in: directory)
                let transcript = try await recognizer.transcribe(samples, sampleRate: 16_000)
                let expected = Self.words(sentence)
                heard += expected.intersection(Self.words(transcript.text)).count
                total += expected.count
                #expect(transcript.audioSeconds > 0.5)
            }
            // Robot voices are hard for a model trained on people: the generic model keeps about
            // one word in six of these today. This guards against losing even that (a wrong sample
            // format or rate gives none); the error rate itself belongs in BENCHMARKS.md.
            #expect(Double(heard) / Double(total) >= 0.1, "heard \(heard) of \(total) words")
        }
    }

    @Test("Real film speech: a Night of the Living Dead line is heard as words")
    func filmSpeech() async throws {
        let recognizer = try PocketSphinxRecognizer()
        let path = SharedData.speech + "/notld/10s_back_down_the_road.wav"
        let audio = try WAVFile(bytes: [UInt8](try #require(FileManager.default.contents(atPath: path))))
        let transcript = try await recognizer.transcribe(audio.samples, sampleRate: audio.sampleRate)
        #expect(!transcript.text.isEmpty)
        #expect(Self.words(transcript.text).count >= 3)
        #expect(abs(transcript.audioSeconds - audio.duration) < 0.001)
    }

    @Test("Audio at the wrong rate is refused with the reason; silence gives nothing to answer")
    func badAudio() async throws {
        let recognizer = try PocketSphinxRecognizer()
        await #expect(throws: SpeechError.self) {
            try await recognizer.transcribe([Int16](repeating: 0, count: 8000), sampleRate: 8000)
        }
        let silence = try await recognizer.transcribe([Int16](repeating: 0, count: 16_000), sampleRate: 16_000)
        #expect(TranscriptFilter().accept(silence.text) == nil)
        // An empty utterance is not an error either.
        #expect(try await recognizer.transcribe([], sampleRate: 16_000).text.isEmpty)
    }

    @Test("Heard while spoken, 20 ms at a time, two utterances at once on two decoders: each gets its own words")
    func streaming() async throws {
        let recognizer = try PocketSphinxRecognizer(decoders: 2)
        #expect(recognizer.decoderCount == 2)
        try await TemporaryDirectory.with { directory in
            let sentences = ["where are you going tonight", "i want to go home"]
            let first = try await MediaFixtures.speech(sentences[0], in: directory)
            let second = try await MediaFixtures.speech(sentences[1], in: directory)
            async let streamedFirst = Self.streamed(first, into: recognizer)
            async let streamedSecond = Self.streamed(second, into: recognizer)
            let streamed = try await [streamedFirst, streamedSecond]
            // Exact words vary a little from one utterance to the next (the decoder keeps
            // adapting to the voice's level), so each is checked against both sentences: it must
            // be nearer its own.
            for (index, text) in streamed.enumerated() {
                let own = Self.words(sentences[index]).intersection(Self.words(text)).count
                let other = Self.words(sentences[1 - index]).intersection(Self.words(text)).count
                #expect(own >= 2 && own > other, "heard '\(text)' for '\(sentences[index])'")
            }
            // A third utterance waits for a free decoder rather than sharing one.
            let held = try await recognizer.begin()
            let other = try await recognizer.begin()
            let waiting = Task { (try await recognizer.transcribe(second, sampleRate: 16_000).text, ContinuousClock.now) }
            try await Task.sleep(for: .milliseconds(300))
            let freed = ContinuousClock.now
            await held.cancel()
            let (late, done) = try await waiting.value
            #expect(done > freed, "it waited for the decoder")
            #expect(Self.words(sentences[1]).intersection(Self.words(late)).count >= 2, "heard '\(late)'")
            await other.cancel()
        }
    }

    static func streamed(_ samples: [Int16], into recognizer: PocketSphinxRecognizer) async throws -> String {
        let utterance = try await recognizer.begin()
        for start in stride(from: 0, to: samples.count, by: 320) {
            await utterance.feed(Array(samples[start..<min(samples.count, start + 320)]))
        }
        return try await utterance.finish().text
    }

    @Test("A missing model is named, with the package that provides it")
    func missingModel() {
        var model = PocketSphinxRecognizer.Model.debianEnglish
        model.languageModel = "/nonexistent/en-us.lm.bin"
        #expect {
            _ = try PocketSphinxRecognizer(model: model)
        } throws: { error in
            "\(error)".contains("/nonexistent/en-us.lm.bin") && "\(error)".contains("pocketsphinx-en-us")
        }
    }

    @Test("Transcripts that are empty, one letter, known inventions, web addresses or one phrase looping are dropped")
    func filter() {
        let filter = TranscriptFilter()
        #expect(filter.accept("") == nil)
        #expect(filter.accept("  a ") == nil)
        #expect(filter.accept("Thank you for watching!") == nil)
        #expect(filter.accept("[BLANK_AUDIO]") == nil)
        #expect(filter.accept("you") == nil)
        #expect(filter.accept(" Who are you? ") == "Who are you?")
        // Whisper's inventions on hiss: addresses, and one phrase looping.
        #expect(filter.accept("www.howl.u") == nil)
        #expect(filter.accept("Visit https://example.com for more.") == nil)
        #expect(filter.accept("Thanks for watching, and see you next time!") == nil)
        #expect(filter.accept("Hello. Hello. Hello.") == nil)
        #expect(filter.accept("I'm going. I'm going. I'm going. I'm going.") == nil)
        // Repetition inside a real line is speech.
        #expect(filter.accept("Hello, hello, is anybody there?") == "Hello, hello, is anybody there?")
        #expect(filter.accept("no no no no, not the dark") == "no no no no, not the dark")
    }
}
