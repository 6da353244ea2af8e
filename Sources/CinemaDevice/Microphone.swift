import CinemaCore
import Foundation
import Subprocess
import SystemPackage

/// Microphone audio as 20 ms frames of PCM s16le, in the format the room is told about.
struct MicrophoneStream: Sendable {
    let format: AudioFormat
    let frames: @Sendable () -> AsyncThrowingStream<[UInt8], any Error>

    /// Bytes in one 20 ms frame.
    static func frameBytes(_ format: AudioFormat) -> Int { format.sampleRate / 50 * format.channels * 2 }

    /// A WAV file played in real time, one frame every 20 ms, then the silence of a quiet room
    /// for as long as the client runs (a detector needs the silence to hear the speech end).
    static func wav(_ path: String) throws(DeviceError) -> MicrophoneStream {
        let wav: WAVFile
        do {
            wav = try WAVFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            throw .microphone("\(path) is not a WAV file the client can read (\(error)); use 16-bit PCM, 8 to 48 kHz, mono or stereo")
        }
        let format = AudioFormat(sampleRate: wav.sampleRate, channels: wav.channels)
        guard format.isAccepted, format.sampleRate % 50 == 0 else {
            throw .microphone("\(path) is \(format); the room takes 8 to 48 kHz (a multiple of 50 Hz), mono or stereo")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(wav.samples.count * 2)
        for sample in wav.samples {
            let value = UInt16(bitPattern: sample)
            bytes.append(UInt8(value & 0xFF))
            bytes.append(UInt8(value >> 8))
        }
        let frameSize = frameBytes(format)
        let recording = bytes
        return MicrophoneStream(format: format) {
            AsyncThrowingStream { continuation in
                let task = Task {
                    let clock = ContinuousClock()
                    let start = clock.now
                    let silence = [UInt8](repeating: 0, count: frameSize)
                    var index = 0
                    // Paced by the clock, not by sleeping 20 ms after each frame, so that the
                    // audio keeps real time however long each send takes.
                    while !Task.isCancelled {
                        let offset = index * frameSize
                        var frame = offset < recording.count ? Array(recording[offset..<min(offset + frameSize, recording.count)]) : silence
                        if frame.count < frameSize { frame += [UInt8](repeating: 0, count: frameSize - frame.count) }
                        continuation.yield(frame)
                        index += 1
                        do {
                            try await clock.sleep(until: start + .milliseconds(20 * index))
                        } catch {
                            break
                        }
                    }
                    continuation.finish()
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }

    /// An ALSA capture device read with `arecord` at 16 kHz mono (ALSA's plug layer converts):
    /// the format the room listens in, so nothing is converted twice.
    static func alsa(_ device: String, arecord: String = "/usr/bin/arecord") -> MicrophoneStream {
        let format = AudioFormat.speech
        let frameSize = frameBytes(format)
        return MicrophoneStream(format: format) {
            AsyncThrowingStream { continuation in
                let task = Task {
                    do {
                        let result = try await Subprocess.run(
                            .path(FilePath(arecord)),
                            arguments: ["-q", "-D", device, "-f", "S16_LE", "-r", "\(format.sampleRate)", "-c", "\(format.channels)", "-t", "raw"],
                            input: .none,
                            output: .sequence,
                            error: .string(limit: 1 << 14)
                        ) { execution in
                            var pending: [UInt8] = []
                            for try await chunk in execution.standardOutput {
                                chunk.withUnsafeBytes { pending.append(contentsOf: $0) }
                                var start = 0
                                while pending.count - start >= frameSize {
                                    continuation.yield(Array(pending[start..<start + frameSize]))
                                    start += frameSize
                                }
                                pending.removeFirst(start)
                            }
                        }
                        let why = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
                        continuation.finish(
                            throwing: DeviceError.microphone(
                                "arecord stopped reading \(device) (\(result.terminationStatus))\(why.isEmpty ? "" : ": \(why)"). List the capture devices with arecord -l and choose one with --audio-device."
                            )
                        )
                    } catch is CancellationError {
                        continuation.finish()
                    } catch {
                        continuation.finish(
                            throwing: DeviceError.microphone(
                                "could not run \(arecord) for \(device): \(error). Install it with: sudo apt-get install alsa-utils"
                            )
                        )
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }
}
