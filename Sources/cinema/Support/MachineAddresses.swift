#if canImport(Glibc)
import Glibc
#endif

/// The addresses other machines can reach this one by: what to print when a server listens on
/// every interface, since `http://0.0.0.0:3000` opens nothing in a browser elsewhere.
enum MachineAddresses {
    /// The IPv4 addresses of the interfaces that are up, loopback left out, in the system's order.
    static func external() -> [String] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0, let first else { return [] }
        defer { freeifaddrs(first) }
        var found: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            let flags = Int32(entry.pointee.ifa_flags)
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0
            else { continue }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            let ok = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                var bits = ipv4.pointee.sin_addr
                return inet_ntop(AF_INET, &bits, &text, socklen_t(text.count)) != nil
            }
            if ok { found.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        }
        return found
    }
}
