import CinemaCore
import CinemaLibrary
import Configuration
import Foundation

/// Plays a clip with mpv for `cinema chat --play`: the span exactly, then mpv exits.
/// (The installation's own player, one long-lived mpv, is `cinema player`.)
struct ClipPlayer: Sendable {
    let tool: ExternalTool
    let options: [String]

    init(reader: ConfigReader) {
        tool = ExternalTool(
            name: "mpv",
            executable: reader.string(forKey: "mpv", default: "mpv"),
            installHint: "install it (sudo apt-get install mpv) or set CINEMA_MPV"
        )
        // Split on spaces only: these are mpv options, never run through a shell.
        options = reader.string(forKey: "mpv.options", default: "").split(separator: " ").map(String.init)
    }

    func play(_ clip: Clip, output: ChatOutput) async throws {
        guard let video = clip.videoPath else {
            output.note("(\(clip.filmTitle) has no video: it was indexed from subtitles only)")
            return
        }
        guard FileManager.default.fileExists(atPath: video) else {
            output.note("(the video \(video) is missing; run cinema index again)")
            return
        }
        do {
            _ = try await tool.run(
                ["--no-terminal", "--start=\(clip.start)", "--end=\(clip.end)"] + options + ["--", video],
                outputLimit: 1 << 20,
                timeout: .seconds(clip.duration + 30)
            )
        } catch {
            output.note("(could not play the clip: \(error.description))")
        }
    }
}
