import Foundation

/// Reads a stretch of a film's soundtrack with ffmpeg, as Whisper hears it: 16 kHz mono 16-bit.
/// A stretch at a time, never the whole film: two hours would be 230 MB.
struct SoundtrackReader: Sendable {
    static let sampleRate = 16_000

    let ffmpeg: ExternalTool

    /// Up to `seconds` of sound from `start` (fewer at the end of the film, none past it).
    func samples(of path: String, from start: Double, seconds: Double) async throws(ToolError) -> [Int16] {
        // -ss before -i seeks in the input, so a piece late in a long film does not decode all
        // that comes before it; ffmpeg still cuts at the exact sample. The path is absolute, so
        // it cannot be taken for an option.
        let output = try await ffmpeg.run(
            [
                "-nostdin", "-v", "error",
                "-ss", String(format: "%.3f", start), "-t", String(format: "%.3f", seconds),
                "-i", path,
                "-map", "0:a:0", "-vn", "-sn", "-dn",
                "-ac", "1", "-ar", String(Self.sampleRate), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1",
            ],
            outputLimit: Int(seconds + 1) * Self.sampleRate * 2,
            // Decoding is tens of times faster than real time; a stuck ffmpeg is not.
            timeout: .seconds(max(120, Int(seconds)))
        )
        let bytes = output.standardOutput
        return [Int16](unsafeUninitializedCapacity: bytes.count / 2) { buffer, count in
            for index in 0..<(bytes.count / 2) {
                buffer[index] = Int16(bitPattern: UInt16(bytes[2 * index]) | UInt16(bytes[2 * index + 1]) << 8)
            }
            count = bytes.count / 2
        }
    }
}
