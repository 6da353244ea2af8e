import CinemaCore
import CinemaLibrary
import CinemaStation
import Foundation

/// The microphones the station offers (`arecord -l`, as its dashboard lists them), and whether
/// one records what the client asks for: 16-bit 16 kHz mono through ALSA's plug layer.
struct CaptureCheck: Sendable {
    var arecord = "/usr/bin/arecord"

    func look() async -> DoctorCheck.Outcome {
        guard FileManager.default.isExecutableFile(atPath: arecord) else {
            return .warning(
                "There is no arecord at \(arecord), so no microphone can be used.",
                fix: "Install it with sudo apt-get install alsa-utils; sessions run meanwhile with typed lines only."
            )
        }
        let devices = await AudioDevice.list(arecord: arecord)
        guard !devices.isEmpty else {
            return .warning(
                "arecord -l lists no capture device.",
                fix: "Plug in a USB microphone and check that arecord -l lists it; sessions run meanwhile with typed lines only."
            )
        }
        let format = AudioFormat.speech
        var usable: [String] = []
        var refused: [String] = []
        await withTaskGroup(of: (AudioDevice, String?).self) { group in
            for device in devices {
                group.addTask { (device, await records(device, format: format)) }
            }
            for await (device, failure) in group {
                if let failure { refused.append("\(device.id) (\(device.name)): \(failure)") } else { usable.append("\(device.id) (\(device.name))") }
            }
        }
        let wanted = "16-bit \(format.sampleRate) Hz mono"
        guard !usable.isEmpty else {
            return .warning(
                "No capture device records \(wanted): \(refused.sorted().joined(separator: "; ")).",
                fix: "Close whatever holds the microphone (another arecord or client), or plug in a USB microphone."
            )
        }
        return .ok("\(usable.sorted().joined(separator: ", ")) record\(usable.count == 1 ? "s" : "") \(wanted).")
    }

    /// Records a moment from `device` as the client would; nil when it works, else why not.
    private func records(_ device: AudioDevice, format: AudioFormat) async -> String? {
        let tool = ExternalTool(name: "arecord", executable: arecord, installHint: "sudo apt-get install alsa-utils")
        let arguments = [
            "-q", "-D", device.id, "-f", "S16_LE", "-r", "\(format.sampleRate)", "-c", "\(format.channels)", "-t", "raw", "-s", "1600", "/dev/null",
        ]
        do {
            _ = try await tool.run(arguments, outputLimit: 1 << 16, timeout: .seconds(3))
            return nil
        } catch {
            return "\(error)"
        }
    }
}
