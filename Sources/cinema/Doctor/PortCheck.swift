import CinemaCore
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A port a role will listen on: free, or already held by that role of ours (it is running).
/// Anything else holding it stops the role from starting.
struct PortCheck: Sendable {
    /// `backend`, `station` or `player`.
    var role: String
    var host: String
    var port: Int
    /// The setting and option that choose another port, for the fix.
    var setting: String

    func look() async -> DoctorCheck.Outcome {
        let address = "\(host):\(port)"
        if port == 0 { return .ok("The \(role) picks a free port when it starts (\(setting) is 0).") }
        guard (1...65535).contains(port) else {
            return .failed("\(port) is not a port.", fix: "Give the \(role) a port from 1024 to 65535 with \(setting).")
        }
        switch Self.bind(host: Self.bindableHost(host), port: port) {
        case 0:
            return .ok("\(address) is free for the \(role).")
        case EADDRINUSE:
            break
        case EACCES:
            return .failed("\(address) is reserved for root (ports below 1024).", fix: "Choose a port above 1023 with \(setting).")
        case EADDRNOTAVAIL:
            return .failed("\(host) is not an address of this machine.", fix: "Listen on one of its addresses (or 0.0.0.0) instead of \(host).")
        case let code:
            return .failed("\(address) cannot be listened on: \(String(cString: strerror(code))).", fix: "Choose another port with \(setting).")
        }
        let local = ServiceAddress.http(host: LoopbackHost.contains(host) || ServiceAddress.isWildcard(host) ? "127.0.0.1" : host, port: port)
        if let answer = try? await HealthProbe.ask(local, timeout: .seconds(1)), let holder = HealthProbe.role(answer) {
            if holder == role {
                return .ok("\(address) is held by Cinema Chat's \(role), already running.")
            }
            return .failed(
                "\(address), the \(role)'s port, is held by Cinema Chat's \(holder).",
                fix: "Give the \(role) another port with \(setting), or the \(holder) another."
            )
        }
        return .failed(
            "\(address), the \(role)'s port, is taken by another program.",
            fix: "Stop that program (ss -ltnp 'sport = :\(port)' names it), or give the \(role) another port with \(setting)."
        )
    }

    /// The IPv4 address to try: the host itself when it is one, loopback for names.
    static func bindableHost(_ host: String) -> String {
        var probe = in_addr()
        return inet_pton(AF_INET, host, &probe) == 1 ? host : "127.0.0.1"
    }

    /// Binds a TCP socket to `host:port` and lets go at once: 0, or the errno that refused it.
    /// SO_REUSEADDR, as the servers set it, so that a port left in TIME_WAIT counts as free.
    static func bind(host: String, port: Int) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0 ? 0 : errno
    }
}
