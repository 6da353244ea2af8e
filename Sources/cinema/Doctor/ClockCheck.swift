import CinemaLibrary
import Foundation

/// The clock: sessions, logs and tokens carry times, and a box without a battery-backed clock
/// may wake in 1970. Whether NTP keeps it right is asked of timedatectl, when there is one.
struct ClockCheck: Sendable {
    var now: @Sendable () -> Date = { Date() }
    var timedatectl = "/usr/bin/timedatectl"

    func look() async -> DoctorCheck.Outcome {
        let date = now()
        let stamp = ISO8601DateFormatter().string(from: date)
        let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date).year ?? 0
        guard year >= 2024 else {
            return .failed(
                "The clock says \(stamp), which cannot be right.",
                fix: "Set it with sudo date -s 'YYYY-MM-DD HH:MM' (or connect the box to a network once so NTP sets it)."
            )
        }
        guard FileManager.default.isExecutableFile(atPath: timedatectl) else {
            return .ok("\(stamp) (whether NTP keeps it right is unknown here: no timedatectl).")
        }
        let answer = try? await ExternalTool(name: "timedatectl", executable: timedatectl, installHint: "")
            .run(["show", "-p", "NTPSynchronized", "--value"], outputLimit: 1 << 12, timeout: .seconds(3))
        switch answer.map({ String(decoding: $0.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }) {
        case "yes":
            return .ok("\(stamp), kept right by NTP.")
        case "no":
            return .warning(
                "\(stamp), not synchronised by NTP; the box's clock may drift or be wrong after a power cut.",
                fix: "Turn NTP on with sudo timedatectl set-ntp true (it needs a network now and then)."
            )
        default:
            return .ok("\(stamp) (whether NTP keeps it right is unknown here: timedatectl cannot tell without systemd).")
        }
    }
}
