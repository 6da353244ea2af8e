import CinemaCore
import CinemaLibrary
import Foundation

/// Small real videos made with ffmpeg, for tests that need actual media files.
public enum MediaFixtures {
    private static let ffmpeg = ExternalTool(name: "ffmpeg", executable: "ffmpeg", installHint: "sudo apt-get install ffmpeg")
    private static let espeak = ExternalTool(name: "espeak-ng", executable: "espeak-ng", installHint: "sudo apt-get install espeak-ng")

    /// `text` spoken by espeak-ng, as 16 kHz mono samples.
    public static func speech(_ text: String, voice: String = "en-us", in directory: TemporaryDirectory) async throws -> [Int16] {
        let path = directory.file("speech-\(UUID().uuidString).wav")
        _ = try await espeak.run(["-v", voice, "-s", "150", "-w", path, "--", text], outputLimit: 1 << 16, timeout: .seconds(60))
        return try await audioSamples(of: path)
    }

    /// `text` spoken as by ``speech(_:voice:in:)``, without espeak-ng's own silence at either
    /// end, so that a test's pauses are the ones it sets.
    public static func audibleSpeech(_ text: String, in directory: TemporaryDirectory) async throws -> [Int16] {
        let samples = try await speech(text, in: directory)
        guard let range = WAVFile(sampleRate: 16_000, samples: samples).audibleRange(threshold: 400) else {
            throw NothingAudible(text: text)
        }
        return Array(samples[range])
    }

    public struct NothingAudible: Error, CustomStringConvertible {
        public var text: String
        public var description: String { "espeak-ng said nothing audible for \"\(text)\"" }
    }

    public struct SubtitleTrack: Sendable {
        public var srt: String
        public var language: String?

        public init(srt: String, language: String?) {
            self.srt = srt
            self.language = language
        }
    }

    /// A video of `seconds` with a test picture (or a lavfi `picture` such as `color=c=blue`) and
    /// a tone; with `subtitles`, each becomes a text subtitle stream inside the file (so use .mkv
    /// or .mp4). With `keyframeEvery`, keyframes come exactly that many seconds apart and no
    /// more often, like a film from a careless encoder.
    public static func makeVideo(
        at path: String,
        seconds: Double = 6,
        title: String? = nil,
        picture: String = "testsrc",
        size: String = "160x120",
        subtitles: [SubtitleTrack] = [],
        keyframeEvery: Int? = nil
    ) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        var arguments = [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "\(picture)\(picture.contains("=") ? ":" : "=")size=\(size):rate=10:duration=\(seconds)",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=\(seconds)",
        ]
        var subtitleFiles: [String] = []
        for (index, track) in subtitles.enumerated() {
            let file = directory + "/.track-\(UUID().uuidString)-\(index).srt"
            try Data(track.srt.utf8).write(to: URL(fileURLWithPath: file))
            subtitleFiles.append(file)
            arguments += ["-i", file]
        }
        defer { for file in subtitleFiles { try? FileManager.default.removeItem(atPath: file) } }
        arguments += ["-map", "0:v", "-map", "1:a"]
        for index in subtitles.indices { arguments += ["-map", "\(index + 2):s"] }
        arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
        if let keyframeEvery {
            // 10 frames a second, as the picture above.
            arguments += ["-g", "\(keyframeEvery * 10)", "-keyint_min", "\(keyframeEvery * 10)", "-x264-params", "scenecut=0"]
        }
        if !subtitles.isEmpty {
            arguments += ["-c:s", path.hasSuffix(".mp4") ? "mov_text" : "srt"]
        }
        for (index, track) in subtitles.enumerated() {
            if let language = track.language { arguments += ["-metadata:s:s:\(index)", "language=\(language)"] }
        }
        if let title { arguments += ["-metadata", "title=\(title)"] }
        arguments += ["-t", "\(seconds)", "file:" + path]
        _ = try await ffmpeg.run(arguments, timeout: .seconds(120))
    }

    /// The length of a media file in seconds, as ffprobe reads it.
    public static func duration(of path: String) async throws -> Double {
        try await MediaProbe().probe(path).duration ?? 0
    }

    /// An image (a screenshot) scaled to `width`×`height`, as RGB triples row by row.
    public static func rgbPixels(of path: String, width: Int, height: Int) async throws -> [[UInt8]] {
        let output = try await ffmpeg.run(
            ["-nostdin", "-v", "error", "-i", path, "-vf", "scale=\(width):\(height)", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
            outputLimit: 64 << 20,
            timeout: .seconds(60)
        ).standardOutput
        return stride(from: 0, to: output.count - 2, by: 3).map { Array(output[$0..<$0 + 3]) }
    }

    /// Decodes a media file's audio to mono 16 kHz samples.
    public static func audioSamples(of path: String, sampleRate: Int = 16000) async throws -> [Int16] {
        let output = try await ffmpeg.run(
            ["-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", "\(sampleRate)", "-f", "s16le", "pipe:1"],
            outputLimit: 256 << 20,
            timeout: .seconds(120)
        ).standardOutput
        return stride(from: 0, to: output.count - 1, by: 2).map { Int16(bitPattern: UInt16(output[$0]) | UInt16(output[$0 + 1]) << 8) }
    }
}
