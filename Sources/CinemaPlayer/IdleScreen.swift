import Foundation
import Subprocess
import SystemPackage

/// What the TV shows between clips.
public enum IdleScreen: Sendable, Equatable {
    /// Nothing: a black screen, silence.
    case black
    /// A video looped for ever (the generated static with its hiss).
    case loop(String)
    /// A still image, held.
    case image(String)

    public var name: String {
        switch self {
        case .black: "black"
        case .loop: "static"
        case .image: "image"
        }
    }

    /// TV static with hiss, made once with ffmpeg at `path` (kept for later starts): five
    /// seconds of random grey noise at 25 frames a second over pink noise, small enough to loop
    /// cheaply on a small machine.
    public static func staticNoise(cachedAt path: String, ffmpeg: String = "/usr/bin/ffmpeg") async throws -> IdleScreen {
        if FileManager.default.fileExists(atPath: path) { return .loop(path) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let partial = path + ".partial.mp4"
        let result = try await Subprocess.run(
            .path(FilePath(ffmpeg)),
            arguments: [
                "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", "nullsrc=size=320x240:rate=25,geq=lum='random(1)*255':cb=128:cr=128",
                "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.2:sample_rate=44100",
                "-t", "5", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", partial,
            ],
            output: .discarded,
            error: .string(limit: 1 << 16)
        )
        guard result.terminationStatus.isSuccess else {
            try? FileManager.default.removeItem(atPath: partial)
            throw PlayerError.unplayable(
                "ffmpeg could not make the idle static at \(path): \(result.standardError). Install ffmpeg, or use --idle black."
            )
        }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
        return .loop(path)
    }
}
