import Foundation
import Testing

@testable import CinemaLibrary

@Suite("Where speech starts in a soundtrack, and where to cut it")
struct SpeechOnsetTests {
    static let rate = 16_000

    /// A soundtrack: silence (or a steady hum of `floor`), with a tone of `level` over each span.
    static func soundtrack(seconds: Double, floor: Int16 = 0, tones: [(Double, Double)], level: Int16 = 6000) -> [Int16] {
        var samples = [Int16](repeating: 0, count: Int(seconds * Double(rate)))
        for index in samples.indices {
            samples[index] = index % 2 == 0 ? floor : -floor
        }
        for (start, end) in tones {
            for index in Int(start * Double(rate))..<min(samples.count, Int(end * Double(rate))) {
                let phase = Double(index) * 2 * Double.pi * 220 / Double(rate)
                samples[index] = Int16(Double(level) * sin(phase))
            }
        }
        return samples
    }

    @Test("A word Whisper starts in the silence before it starts where its sound does")
    func earlyWord() {
        let energy = SoundEnergy(Self.soundtrack(seconds: 6, tones: [(1.0, 2.0), (2.6, 3.4)]), sampleRate: Self.rate)
        let words = [
            TimedWord(text: "Good", start: 0.7, end: 1.5),
            TimedWord(text: "evening.", start: 1.5, end: 1.95),
            // Given the whole pause, as Whisper does where a 30 s window starts.
            TimedWord(text: "Hello?", start: 1.95, end: 3.4),
        ]
        let refined = SpeechOnset.refine(words, energy: energy)
        #expect(abs(refined[0].start - 1.0) <= 0.02)
        #expect(refined[1].start == 1.5)
        #expect(abs(refined[2].start - 2.6) <= 0.02)
        #expect(refined.map(\.end) == words.map(\.end))
    }

    @Test("Over a steady hum too loud to tell speech from, Whisper's times stand")
    func noClearOnset() {
        let energy = SoundEnergy(Self.soundtrack(seconds: 4, floor: 2000, tones: [(1.0, 2.0)], level: 6000), sampleRate: Self.rate)
        let words = [TimedWord(text: "Hello.", start: 0.8, end: 2.0)]
        #expect(SpeechOnset.refine(words, energy: energy) == words)
    }

    @Test("A click in the silence is not where speech starts")
    func click() {
        var samples = Self.soundtrack(seconds: 4, tones: [(2.0, 3.0)])
        for index in Int(1.5 * Double(Self.rate))..<Int(1.505 * Double(Self.rate)) { samples[index] = 20_000 }
        let refined = SpeechOnset.refine([TimedWord(text: "Now.", start: 1.4, end: 3.0)], energy: SoundEnergy(samples, sampleRate: Self.rate))
        #expect(abs(refined[0].start - 2.0) <= 0.02)
    }

    @Test("A piece ends in the quietest stretch near its intended length, not in a word")
    func cut() {
        let energy = SoundEnergy(
            Self.soundtrack(seconds: 40, floor: 300, tones: [(0, 24.0), (24.8, 40)]),
            sampleRate: Self.rate
        )
        let cut = PieceCut.quietest(in: energy, from: 15, to: 35)
        #expect(cut > 24.0 && cut < 24.8, "cut at \(cut)")
    }
}
