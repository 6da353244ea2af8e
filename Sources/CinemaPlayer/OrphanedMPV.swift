import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// mpv processes a player left when it was killed outright (SIGKILL, a power cut of its
/// service manager): each still runs, idle, its IPC socket named after a player PID that is
/// gone. A player starting stops them, and removes the socket files such players left, so that
/// a TV restarted for weeks gathers neither.
enum OrphanedMPV {
    static let socketPrefix = "--input-ipc-server="
    static let socketName = "/cinema-mpv-"
    static let socketSuffix = ".sock"

    /// Where this process's mpv listens: named after the player's PID, which is how a later
    /// player tells an mpv whose player is gone.
    static func socketPath(in directory: String) -> String {
        directory + socketName + "\(getpid())" + socketSuffix
    }

    /// Removes the socket files in `directory` whose player is gone; returns their paths. Only
    /// our own names (`cinema-mpv-PID.sock`), only sockets (never a symlink, which is not
    /// followed, nor a file of another kind), only our own user's, and only when no process has
    /// that PID: a player alive keeps its socket. (A PID taken since by another process keeps
    /// the file too: rare, and a file left is better than a live player's socket removed.)
    @discardableResult
    static func removeStaleSockets(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names {
            guard let owner = owner(ofSocketNamed: name), owner != getpid() else { continue }
            guard kill(owner, 0) != 0 && errno == ESRCH else { continue }
            let path = directory + "/" + name
            var status = stat()
            // lstat: the entry itself, not what a symlink points to.
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFSOCK, status.st_uid == getuid() else { continue }
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// The player PID in a socket file's name, if it is one of ours: `cinema-mpv-` digits `.sock`.
    static func owner(ofSocketNamed name: String) -> Int32? {
        let prefix = socketName.dropFirst()
        guard name.hasPrefix(prefix), name.hasSuffix(socketSuffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(socketSuffix.count)
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let pid = Int32(digits), pid > 0 else {
            return nil
        }
        return pid
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
