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

    @Test("Transcripts that are empty, one letter or known inventions are dropped")
    func filter() {
        let filter = TranscriptFilter()
        #expect(filter.accept("") == nil)
        #expect(filter.accept("  a ") == nil)
        #expect(filter.accept("Thank you for watching!") == nil)
        #expect(filter.accept("[BLANK_AUDIO]") == nil)
        #expect(filter.accept("you") == nil)
        #expect(filter.accept(" Who are you? ") == "Who are you?")
    }
}
