import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how a service started with `Type=notify` is doing: one datagram per message
/// (`READY=1`, `WATCHDOG=1`, `STOPPING=1`, `STATUS=…`) to the socket systemd names in
/// `NOTIFY_SOCKET`. This is the whole sd_notify protocol, so no library is needed.
public struct SystemdNotifier: Sendable {
    /// Where the datagrams go: a filesystem path, or an abstract socket when it starts with `@`.
    public let socket: UnixSocketAddress
    /// How often systemd expects a sign of life (`WATCHDOG_USEC`), when it watches this process.
    public let watchdogTimeout: Duration?

    /// The notifier systemd asked for in `environment`, or nil when it asked for none (a command
    /// run by hand, or a unit of another `Type=`).
    public init?(environment: [String: String], processID: Int32 = getpid()) {
        guard let socket = environment["NOTIFY_SOCKET"].flatMap(UnixSocketAddress.init) else { return nil }
        self.socket = socket
        // The watchdog is ours only when systemd means this process: a child started with our
        // environment (a client the station runs) must not pet it in our stead.
        let watchedProcess = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if watchedProcess, let microseconds = environment["WATCHDOG_USEC"].flatMap(Int64.init), microseconds > 0 {
            watchdogTimeout = .microseconds(microseconds)
        } else {
            watchdogTimeout = nil
        }
    }

    /// Sends `fields` (`KEY=value`, one per line) as one datagram. Throws when the socket cannot
    /// be reached, naming it; systemd gone is no reason to stop serving, so callers log it.
    public func send(_ fields: [String]) throws(SystemdNotifierError) {
        let message = fields.joined(separator: "\n")
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemdNotifierError(socketPath: socket.text, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            socket.withSocketAddress { address, length in
                sendto(descriptor, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), address, length)
            }
        }
        guard sent >= 0 else { throw SystemdNotifierError(socketPath: socket.text, reason: String(cString: strerror(errno))) }
    }
}

/// A message systemd could not be sent.
public struct SystemdNotifierError: Error, CustomStringConvertible {
    public let socketPath: String
    public let reason: String

    public var description: String { "Could not notify systemd at NOTIFY_SOCKET \(socketPath): \(reason)." }
}
