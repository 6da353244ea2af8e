import ArgumentParser
import CinemaBackend
import CinemaCore
import CinemaSpeech
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// How many microphones one core can gate: real film speech streamed through a room's listener
/// (bytes to samples, voice activity detection, utterances handed over) in 20 ms frames, timed
/// by the thread's own CPU clock.
struct VoiceActivityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vad",
        abstract: "Benchmark voice activity detection: CPU per 16 kHz stream, and streams per core."
    )

    @Option(help: "Folder of WAV files (16 kHz mono) to stream: ../shared/data/speech/notld.")
    var speech: String

    @Option(help: "Minutes of audio per measurement (the files are repeated).")
    var minutes = 10.0

    @Option(help: "Measurements of each kind, for the median and the spread.")
    var repeats = 5

    func run() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: speech).filter { $0.hasSuffix(".wav") }.sorted()
        guard !files.isEmpty else { throw ValidationError("No .wav files in \(speech).") }
        var samples: [Int16] = []
        for file in files {
            let audio = try WAVFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: speech + "/" + file))))
            guard audio.sampleRate == 16_000, audio.channels == 1 else { throw ValidationError("\(file) is not 16 kHz mono.") }
            samples += audio.samples + [Int16](repeating: 0, count: 16_000)
        }
        let wanted = Int(minutes * 60 * 16_000)
        var stream: [Int16] = []
        stream.reserveCapacity(wanted)
        while stream.count < wanted { stream += samples.prefix(wanted - stream.count) }
        let audioSeconds = Double(stream.count) / 16_000
        print("# cinema-bench vad — \(String(format: "%.0f", audioSeconds)) s of film speech (\(files.count) files, repeated), 20 ms frames\n")

        let stage = RecognizingSpeechStage(recognizer: try PocketSphinxRecognizer())
        let bytes16k = Self.bytes(stream)
        // The same audio as a 48 kHz stereo microphone would send it, converted in the room.
        let stereo48k = Self.bytes(Self.upsampledStereo(stream))

        print("| stream | CPU s per audio s, median (min–max of \(repeats)) | streams per core | speech stops found |")
        print("|---|---|---|---|")
        for (name, bytes, frameBytes, format) in [
            ("16 kHz mono (640-byte frames)", bytes16k, 640, AudioFormat.speech),
            ("48 kHz stereo, converted (3,840-byte frames)", stereo48k, 3840, AudioFormat(sampleRate: 48_000, channels: 2)),
        ] {
            var costs: [Double] = []
            var utterances = 0
            for _ in 0..<repeats {
                let listener = stage.listener(settings: SpeechSettings())
                if format != .speech { listener.use(format) }
                var frame = ByteBuffer()
                var ended = 0
                let started = Self.threadCPUSeconds()
                var offset = 0
                while offset < bytes.count {
                    let end = min(bytes.count, offset + frameBytes)
                    frame.clear()
                    frame.writeBytes(bytes[offset..<end])
                    for signal in listener.hear(frame) where signal == .stoppedSpeaking { ended += 1 }
                    offset = end
                }
                ended += listener.finish().count
                costs.append((Self.threadCPUSeconds() - started) / audioSeconds)
                utterances = ended
            }
            let sorted = costs.sorted()
            let median = sorted[sorted.count / 2]
            print(
                String(
                    format: "| %@ | %.5f (%.5f–%.5f) | %.0f | %d |",
                    name,
                    median,
                    sorted.first ?? 0,
                    sorted.last ?? 0,
                    1 / median,
                    utterances
                )
            )
        }
    }

    static func bytes(_ samples: [Int16]) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return bytes
    }

    /// 16 kHz mono to 48 kHz stereo by repeating samples: what a USB microphone at 48 kHz
    /// would send, near enough for timing.
    static func upsampledStereo(_ samples: [Int16]) -> [Int16] {
        var output = [Int16]()
        output.reserveCapacity(samples.count * 6)
        for sample in samples { for _ in 0..<6 { output.append(sample) } }
        return output
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
