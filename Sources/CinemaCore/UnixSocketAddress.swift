#if canImport(Glibc)
import Glibc
#endif

/// An AF_UNIX socket's address as `NOTIFY_SOCKET` writes it: a filesystem path, or a name in the
/// abstract namespace when it starts with `@` (which stands for the NUL byte such a name starts
/// with).
public struct UnixSocketAddress: Sendable {
    public let text: String
    private let bytes: [UInt8]

    /// Nil when `text` is neither an absolute path nor `@name`, or too long for an address.
    public init?(_ text: String) {
        var bytes = Array(text.utf8)
        guard bytes.count > 1, bytes[0] == UInt8(ascii: "/") || bytes[0] == UInt8(ascii: "@") else { return nil }
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        self.text = text
        self.bytes = bytes
    }

    public var isAbstract: Bool { bytes[0] == 0 }

    /// Calls `body` with the address for `bind`, `connect` or `sendto`.
    public func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract name is exactly its bytes; a path is read up to its terminating NUL.
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (isAbstract ? 0 : 1))
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
