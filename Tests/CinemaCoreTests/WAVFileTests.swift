import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaCore

@Suite("WAV files")
struct WAVFileTests {
    @Test("Real film speech reads as 16 kHz mono with the length its header promises")
    func readsSharedSpeech() throws {
        let path = SharedData.speech + "/notld/5s_dont_worry_about_him.wav"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let wav = try WAVFile(bytes: bytes)
        #expect(wav.sampleRate == 16000)
        #expect(wav.channels == 1)
        #expect(abs(wav.duration - 5.0) < 0.01)
        #expect(wav.audibleRange() != nil)
    }

    @Test("Writing and reading gives back the same samples")
    func roundTrip() throws {
        let samples: [Int16] = [0, 1, -1, .max, .min, 1234, -4321]
        let wav = WAVFile(sampleRate: 22050, samples: samples)
        #expect(try WAVFile(bytes: wav.bytes) == wav)
        #expect(wav.bytes.count == 44 + samples.count * 2)
    }

    @Test("The audible range skips leading and trailing silence")
    func audibleRange() {
        let wav = WAVFile(sampleRate: 8000, samples: [0, 3, -2, 900, -1200, 5, 800, 0, 1])
        #expect(wav.audibleRange() == 3..<7)
        #expect(WAVFile(sampleRate: 8000, samples: [0, 1, -1]).audibleRange() == nil)
    }

    @Test("Files that are not 16-bit PCM WAVE are refused with the reason")
    func refusals() {
        #expect(throws: WAVError.notWAV) { try WAVFile(bytes: Array("not a wave file at all".utf8)) }
        var eightBit = WAVFile(sampleRate: 8000, samples: [1, 2]).bytes
        eightBit[34] = 8
        #expect(throws: WAVError.self) { try WAVFile(bytes: eightBit) }
    }

    @Test("Timecodes for people and for SubRip")
    func timecodes() {
        #expect(Timecode.format(3723.456) == "01:02:03.456")
        #expect(Timecode.format(2.3449999, millisecondSeparator: ",") == "00:00:02,345")
        #expect(Timecode.format(-1) == "00:00:00.000")
    }
}
