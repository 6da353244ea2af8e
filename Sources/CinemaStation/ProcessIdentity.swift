import Foundation

/// A process as the kernel knows it: its PID and when it started. A PID alone may have been
/// given to another process since; the pair may not.
struct ProcessIdentity: Sendable, Equatable {
    var pid: Int32
    var start: UInt64

    /// The running process with this PID, if there is one.
    static func current(_ pid: Int32) -> ProcessIdentity? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3 of the whole line, starttime field 22.
        guard fields.count > 19, fields[0] != "Z", let start = UInt64(fields[19]) else { return nil }
        return ProcessIdentity(pid: pid, start: start)
    }

    /// Still the same process: alive, and not a later one with the same PID.
    var isRunning: Bool { Self.current(pid) == self }
}
