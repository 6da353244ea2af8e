public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// This machine's own addresses: what to print when a server listens on every interface (since
/// `http://0.0.0.0:3000` opens nothing in a browser elsewhere), and how to tell whether two URLs
/// reach the same server when one names it by a LAN address and the other by 127.0.0.1.
public enum MachineAddresses {
    /// The IPv4 addresses other machines can reach this one by: the interfaces that are up,
    /// loopback left out, in the system's order.
    public static func external() -> [String] {
        interfaces().filter { $0.family == AF_INET && !$0.isLoopback }.map(\.address)
    }

    /// Whether `host` (a name or an address, bracketed or not) is this machine: `localhost`, a
    /// loopback address, one of its interfaces' addresses, or its host name. A name that only
    /// starts like a loopback address (`127.example.com`) is a name like any other: DNS could
    /// send it anywhere.
    public static func isThisMachine(_ host: String) -> Bool {
        let host = canonical(host)
        if host == "localhost" { return true }
        if let bytes = addressBytes(host), isLoopback(bytes) { return true }
        if interfaces().contains(where: { $0.address == host }) { return true }
        return host == canonical(hostName())
    }

    /// Whether `host` reaches only this machine: `localhost`, or a loopback address
    /// (`127.x.x.x`, `::1`), bracketed or not. `127.example.com` is a name, not an address.
    public static func isLoopback(_ host: String) -> Bool {
        let host = canonical(host)
        return host == "localhost" || (addressBytes(host).map(isLoopback) ?? false)
    }

    /// Whether `first` and `second` reach the same server: the same scheme (a WebSocket's `ws`
    /// counts as `http`, `wss` as `https`), the same port (the scheme's own when none is
    /// written), and the same host, or two hosts that are both this machine. The dashboard opened
    /// from another machine names the backend by this machine's LAN address, while the station
    /// and its clients were configured with 127.0.0.1: the same backend.
    public static func sameServer(_ first: URL, _ second: URL) -> Bool {
        guard let one = Endpoint(first), let other = Endpoint(second) else { return false }
        guard one.secure == other.secure, one.port == other.port else { return false }
        return one.host == other.host || (isThisMachine(one.host) && isThisMachine(other.host))
    }

    /// The parts of a URL that say which server it reaches.
    private struct Endpoint {
        var secure: Bool
        var host: String
        var port: Int

        init?(_ url: URL) {
            guard let host = url.host, !host.isEmpty else { return nil }
            switch url.scheme?.lowercased() {
            case "http", "ws": secure = false
            case "https", "wss": secure = true
            default: return nil
            }
            self.host = MachineAddresses.canonical(host)
            port = url.port ?? (secure ? 443 : 80)
        }
    }

    /// Whether `host` is an IPv4 or IPv6 address rather than a name (nobody can point an
    /// address elsewhere by DNS).
    public static func isAddress(_ host: String) -> Bool {
        addressBytes(canonical(host)) != nil
    }

    /// A host as it is compared: lower case, without brackets, a zone or a trailing dot, and an
    /// address in its shortest form (`0:0:0:0:0:0:0:1` is `::1`).
    public static func canonical(_ host: String) -> String {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let zone = host.firstIndex(of: "%") { host = String(host[..<zone]) }
        if host.hasSuffix(".") { host.removeLast() }
        guard let bytes = addressBytes(host) else { return host }
        return text(of: bytes) ?? host
    }

    /// The address's bytes (4 or 16), if `text` is an IPv4 or IPv6 address.
    private static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func isLoopback(_ bytes: [UInt8]) -> Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    private static func text(of bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return written ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The addresses of the interfaces that are up, in canonical form; read each time, since a
    /// machine's LAN address may change while it runs (DHCP).
    private static func interfaces() -> [(family: Int32, address: String, isLoopback: Bool)] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0, let first else { return [] }
        defer { freeifaddrs(first) }
        var found: [(family: Int32, address: String, isLoopback: Bool)] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, flags & Int32(IFF_UP) != 0 else { continue }
            let family = Int32(address.pointee.sa_family)
            let bytes: [UInt8]
            switch family {
            case AF_INET:
                bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
            case AF_INET6:
                bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
            default:
                continue
            }
            if let text = text(of: bytes) { found.append((family, text, flags & Int32(IFF_LOOPBACK) != 0)) }
        }
        return found
    }
}
