import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// mpv processes a player left when it was killed outright (SIGKILL, a power cut of its
/// service manager): each still runs, idle, its IPC socket named after a player PID that is
/// gone. A player starting stops them, so that a TV restarted for weeks gathers none.
enum OrphanedMPV {
    static let socketPrefix = "--input-ipc-server="
    static let socketName = "/cinema-mpv-"

    /// Where this process's mpv listens: named after the player's PID, which is how a later
    /// player tells an mpv whose player is gone.
    static func socketPath(in directory: String) -> String {
        directory + socketName + "\(getpid()).sock"
    }

    /// Stops them; returns their PIDs.
    @discardableResult
    static func stop() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var stopped: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(), let owner = owner(of: pid), owner != getpid() else { continue }
            // Only when the player it belonged to is gone.
            guard kill(owner, 0) != 0 && errno == ESRCH else { continue }
            kill(pid, SIGKILL)
            stopped.append(pid)
        }
        return stopped
    }

    /// The player PID an mpv's socket is named after, if `pid` is one of ours.
    static func owner(of pid: Int32) -> Int32? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard let program = arguments.first, program.hasSuffix("mpv"),
            let socket = arguments.first(where: { $0.hasPrefix(socketPrefix) && $0.contains(socketName) }),
            let range = socket.range(of: socketName, options: .backwards)
        else { return nil }
        return Int32(socket[range.upperBound...].prefix { $0.isNumber })
    }
}
