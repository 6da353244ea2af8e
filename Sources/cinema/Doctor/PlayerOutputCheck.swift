import CinemaLibrary
import Foundation

/// mpv, and the picture it would give: a window on a display, the TV's DRM device, or none
/// (headless), decided as `cinema player` decides it.
struct PlayerOutputCheck: Sendable {
    var mpv: String
    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Where DRM devices appear.
    var drmFolder = "/dev/dri"

    func look() async -> DoctorCheck.Outcome {
        guard FileManager.default.isExecutableFile(atPath: mpv) else {
            return .failed("There is no mpv at \(mpv).", fix: "Install it with sudo apt-get install mpv, or give the player --mpv PATH.")
        }
        let outputs: [String]
        do {
            let listing = try await ExternalTool(name: "mpv", executable: mpv, installHint: "sudo apt-get install mpv")
                .run(["--no-config", "--vo=help"], outputLimit: 1 << 16, timeout: .seconds(4))
            outputs = Self.videoOutputs(String(decoding: listing.standardOutput, as: UTF8.self))
        } catch {
            return .failed("\(mpv) does not run: \(error)", fix: "Reinstall it with sudo apt-get install --reinstall mpv.")
        }
        let listed = "video outputs \(outputs.joined(separator: ", "))"
        if environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil {
            guard outputs.contains("gpu") || outputs.contains("x11") || outputs.contains("wlshm") else {
                return .failed(
                    "\(mpv) has no output for the display (\(listed)).",
                    fix: "Install Debian's mpv (sudo apt-get install mpv), which has them."
                )
            }
            return .ok("\(mpv): the player opens a window on the display (\(listed)).")
        }
        let cards = ((try? FileManager.default.contentsOfDirectory(atPath: drmFolder)) ?? []).filter { $0.hasPrefix("card") }.sorted()
        if let card = cards.first, outputs.contains("drm") {
            return .warning(
                "\(mpv): no display here, and \(drmFolder)/\(card) is a DRM device; without --drm-device the player runs headless (\(listed)).",
                fix: "Start the player (or cinema up) with --drm-device \(drmFolder)/\(card) to draw on the TV."
            )
        }
        return .warning(
            "\(mpv): no display and no DRM device (\(drmFolder)), so the player runs headless, with no picture (\(listed)).",
            fix: "Run it from the TV's desktop session (DISPLAY set), or connect the TV and give --drm-device /dev/dri/card0."
        )
    }

    /// The names `mpv --vo=help` lists: `  gpu   Shader-based GPU Renderer`.
    static func videoOutputs(_ listing: String) -> [String] {
        listing.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            guard line.first == " " else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
    }
}
