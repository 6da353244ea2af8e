import CinemaCore
import Testing

@testable import CinemaLibrary

@Suite("Words heard in a soundtrack, grouped into cues")
struct TranscribedCuesTests {
    let grouping = TranscribedCues(configuration: TranscriptionConfiguration())

    /// Words of `text` spoken one after another from `start`, `duration` seconds each.
    func words(_ text: String, from start: Double, each duration: Double = 0.3) -> [TimedWord] {
        text.split(separator: " ").enumerated().map { index, word in
            TimedWord(text: String(word), start: start + Double(index) * duration, end: start + Double(index + 1) * duration)
        }
    }

    func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    @Test("A cue ends with its sentence or at a pause, and starts with its first word")
    func sentencesAndPauses() {
        // "here" and "miss." are 0.8 s apart: a pause, though no sentence ends.
        let heard = words("Good evening. Is anybody there?", from: 2.5) + words("Right here", from: 5) + words("miss.", from: 6.4)
        let cues = grouping.cues(from: heard)
        #expect(cues.map(\.text) == ["Good evening.", "Is anybody there?", "Right here", "miss."])
        #expect(cues.map { rounded($0.start) } == [2.5, 3.1, 5, 6.4])
        #expect(cues.map { rounded($0.end) } == [3.1, 4.0, 5.6, 6.7])
        #expect(cues.map(\.ordinal) == [0, 1, 2, 3])
        #expect(cues.allSatisfy { $0.kind == .speech })
    }

    @Test("Mr. and Dr. do not end a sentence")
    func abbreviations() {
        let cues = grouping.cues(from: words("Good morning, Mr. Lane. Hello Dr. Watson.", from: 0))
        #expect(cues.map(\.text) == ["Good morning, Mr. Lane.", "Hello Dr. Watson."])
    }

    @Test("A cue too long to read is split after a clause, or else where it reaches the limit")
    func longCues() {
        let long = "Well I was walking down the road to the old mill, and the rain kept falling on the roof all night long without a stop"
        let cues = grouping.cues(from: words(long, from: 10, each: 0.25))
        #expect(cues.first?.text == "Well I was walking down the road to the old mill,")
        #expect(cues.allSatisfy { $0.text.count <= 80 && $0.duration <= 7 })
        #expect(cues.map(\.text).joined(separator: " ") == long)

        let breathless = String(repeating: "yes ", count: 40).trimmingSpaces()
        let split = grouping.cues(from: words(breathless, from: 0, each: 0.2))
        #expect(split.count == 2)
        #expect(split.allSatisfy { $0.duration <= 7 })
    }

    @Test("The second half of a hyphenated word and a clitic join the word before")
    func attachedPieces() {
        let cues = grouping.cues(from: words("A world -renowned doctor. Harry 's hat. Is n't it?", from: 0))
        #expect(cues.map(\.text) == ["A world-renowned doctor.", "Harry's hat.", "Isn't it?"])
        #expect(!TranscribedCues.attaches("-"))
        #expect(!TranscribedCues.attaches("'em"))
    }

    @Test("What the model writes for music or noise is kept apart from speech, as in subtitles")
    func annotations() {
        let cues = grouping.cues(from: [TimedWord(text: "[Music]", start: 0, end: 3)] + words("Hello there.", from: 4))
        #expect(cues.map(\.kind) == [.annotation, .speech])
        #expect(cues.first?.annotations == ["Music"])
    }

    @Test("Out-of-order or overlong times from a server cannot make a cue run backwards")
    func saneTimes() {
        let words = [
            TimedWord(text: "One", start: 1, end: 0.5),
            TimedWord(text: "two", start: 0.8, end: 1.4),
            TimedWord(text: "three.", start: 1.5, end: 99),
        ]
        let sane = FilmTranscriber.sane(words, within: 10)
        #expect(sane.map(\.start) == [1, 1, 1.5])
        #expect(sane.map(\.end) == [1, 1.4, 10])
    }
}
