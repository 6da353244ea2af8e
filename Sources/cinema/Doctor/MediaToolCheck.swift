import CinemaLibrary
import Foundation

/// ffmpeg or ffprobe (as `CINEMA_FFMPEG` / `CINEMA_FFPROBE` name them, looked up on `PATH`): there,
/// and runs.
struct MediaToolCheck: Sendable {
    /// `ffmpeg` or `ffprobe`.
    var tool: String
    /// The configured program: a name on `PATH` or a path.
    var executable: String
    /// The configuration setting that names it, for the fix.
    var setting: String

    func look() async -> DoctorCheck.Outcome {
        guard let found = ExecutableSearch.find(executable) else {
            let whereLooked = executable.contains("/") ? "at \(executable)" : "on PATH (\(Self.path))"
            return .failed(
                "\(tool) was not found \(whereLooked).",
                fix: "Install it with sudo apt-get install ffmpeg, or set \(setting) to its path."
            )
        }
        do {
            let output = try await ExternalTool(name: tool, executable: found, installHint: "sudo apt-get install ffmpeg")
                .run(["-hide_banner", "-version"], outputLimit: 1 << 16, timeout: .seconds(4))
            return .ok("\(found): \(Self.firstLine(output.standardOutput))")
        } catch {
            return .failed(
                "\(found) does not run: \(error)",
                fix: "Reinstall it with sudo apt-get install --reinstall ffmpeg, or set \(setting) to one that runs."
            )
        }
    }

    static var path: String { ProcessInfo.processInfo.environment["PATH"] ?? "" }

    static func firstLine(_ bytes: [UInt8]) -> String {
        // "ffmpeg version 5.1.6-0+deb12u1 Copyright (c) 2000-2024 the FFmpeg developers": the version is what matters.
        let line = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.components(separatedBy: " Copyright").first ?? line
    }
}
