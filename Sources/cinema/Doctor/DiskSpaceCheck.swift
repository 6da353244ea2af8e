import CinemaCore
import Foundation

/// Room left in the data directory: the library, sessions' records and logs grow there, and
/// SQLite fails at the first write that does not fit.
struct DiskSpaceCheck: Sendable {
    var home: CinemaHome
    var failBelow: Int64 = 200 << 20
    var warnBelow: Int64 = 1 << 30

    func look() async -> DoctorCheck.Outcome {
        // The data directory may not exist yet: its disk is that of the nearest folder above.
        var folder = home.path
        while !FileManager.default.fileExists(atPath: folder), folder != "/" {
            folder = (folder as NSString).deletingLastPathComponent
        }
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder),
            let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value
        else {
            return .warning("Could not tell how much room is left at \(folder).", fix: "Check it with df -h \(folder).")
        }
        let found = "\(Self.megabytes(free)) free at \(folder)"
        if free < failBelow {
            return .failed(
                "Only \(found); below \(Self.megabytes(failBelow)), writes to the library and the sessions' records fail.",
                fix: "Free some space on that disk (old logs in \(home.path)/logs), or set CINEMA_HOME to a bigger one."
            )
        }
        if free < warnBelow {
            return .warning("Only \(found).", fix: "Free some space on that disk before it runs out (old logs in \(home.path)/logs).")
        }
        return .ok("\(found).")
    }

    static func megabytes(_ bytes: Int64) -> String { "\(bytes >> 20) MB" }
}
