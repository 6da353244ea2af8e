import CinemaCore
import Foundation
import Testing

@testable import CinemaSpeech

@Suite("Microphones in other formats, brought to 16 kHz mono")
struct PCMConverterTests {
    /// A tone at `frequency` Hz, `seconds` long, at `rate`, with `channels` interleaved (the
    /// second channel at half the level, so that mixing is visible).
    static func tone(_ frequency: Double, rate: Int, channels: Int = 1, seconds: Double = 1, level: Double = 10_000) -> [Int16] {
        let count = Int(Double(rate) * seconds)
        return (0..<count).flatMap { index -> [Int16] in
            let value = level * sin(2 * .pi * frequency * Double(index) / Double(rate))
            return (0..<channels).map { channel in Int16(value / Double(channel + 1)) }
        }
    }

    /// Sign changes per second: twice the frequency of a clean tone.
    static func frequency(of samples: [Int16], rate: Int) -> Double {
        let crossings = zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        return Double(crossings) / 2 / (Double(samples.count) / Double(rate))
    }

    static func peak(_ samples: [Int16]) -> Int { Int(samples.dropFirst(100).map { abs(Int($0)) }.max() ?? 0) }

    @Test(
        "Common capture formats keep length, pitch and level",
        arguments: [(48_000, 2), (44_100, 1), (32_000, 1), (22_050, 2), (11_025, 1), (8_000, 1)]
    )
    func formats(rate: Int, channels: Int) {
        var converter = PCMConverter(from: AudioFormat(sampleRate: rate, channels: channels))
        let output = converter.convert(Self.tone(440, rate: rate, channels: channels))
        #expect(abs(output.count - 16_000) <= 2, "\(output.count) samples for one second")
        #expect(abs(Self.frequency(of: output, rate: 16_000) - 440) < 5)
        // Stereo is the mean of the channels: 10,000 and 5,000 make 7,500.
        let expected = channels == 2 ? 7_500 : 10_000
        #expect(abs(Self.peak(output) - expected) < expected / 20, "peak \(Self.peak(output))")
    }

    @Test("Chunks of any size, even cut between the channels of a frame, give what the whole gives")
    func chunked() {
        let input = Self.tone(300, rate: 44_100, channels: 2, seconds: 0.5)
        var whole = PCMConverter(from: AudioFormat(sampleRate: 44_100, channels: 2))
        let expected = whole.convert(input)
        var pieces = PCMConverter(from: AudioFormat(sampleRate: 44_100, channels: 2))
        var output: [Int16] = []
        var start = 0
        for size in [1, 7, 333, 2, 1001].cycled(while: { _ in start < input.count }) {
            let end = min(input.count, start + size)
            output += pieces.convert(Array(input[start..<end]))
            start = end
        }
        #expect(output.count == expected.count)
        #expect(output == expected, "first difference at \(output.indices.first { $0 < expected.count && output[$0] != expected[$0] } ?? -1)")
    }

    @Test("Sound above 8 kHz in a 48 kHz stream is damped, not folded into the speech band")
    func aliasing() {
        var converter = PCMConverter(from: AudioFormat(sampleRate: 48_000))
        // 15 kHz would fold to 1 kHz if samples were merely dropped.
        let output = converter.convert(Self.tone(15_000, rate: 48_000))
        #expect(Self.peak(output) < 5_000, "peak \(Self.peak(output)) of 10,000")
    }

    @Test("16 kHz mono passes through untouched; odd declarations are refused")
    func identity() {
        var converter = PCMConverter(from: .speech)
        let input = Self.tone(200, rate: 16_000, seconds: 0.1)
        #expect(converter.convert(input) == input)
        #expect(!AudioFormat(sampleRate: 96_000).isAccepted)
        #expect(!AudioFormat(sampleRate: 16_000, channels: 6).isAccepted)
        #expect(!AudioFormat(sampleRate: 0).isAccepted)
        #expect(AudioFormat(sampleRate: 44_100, channels: 2).isAccepted)
    }
}

extension Array {
    /// The elements again and again, while `condition` holds.
    func cycled(while condition: @escaping (Element) -> Bool) -> some Sequence<Element> {
        var index = 0
        return AnySequence {
            AnyIterator {
                guard !isEmpty else { return nil }
                let element = self[index % count]
                index += 1
                return condition(element) ? element : nil
            }
        }
    }
}
