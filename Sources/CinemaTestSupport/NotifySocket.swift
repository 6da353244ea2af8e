import CinemaCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The socket systemd listens on for `NOTIFY_SOCKET`, for tests of what a role tells it: a real
/// AF_UNIX datagram socket, bound at a path or in the abstract namespace, whose messages are
/// kept with the time each arrived.
public final class NotifySocket: Sendable {
    public struct Message: Sendable {
        public let text: String
        public let arrived: ContinuousClock.Instant
        public var fields: [String] { text.split(separator: "\n").map(String.init) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What to put in `NOTIFY_SOCKET`.
    public let address: String
    private let descriptor: Int32
    private struct State {
        var messages: [Message] = []
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        /// Waits that ended before they began.
        var abandoned: Set<UUID> = []
        var closed = false
    }

    private let state = Mutex(State())

    /// Binds a socket at `path`, or in the abstract namespace when `path` starts with `@`, and
    /// keeps what arrives until `body` returns.
    public static func with<T>(_ path: String, _ body: (NotifySocket) async throws -> T) async throws -> T {
        let socket = try NotifySocket(path)
        socket.start()
        defer { socket.close() }
        return try await body(socket)
    }

    private init(_ path: String) throws {
        address = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let bound = UnixSocketAddress(path)?.withSocketAddress { bind(descriptor, $0, $1) }
        guard bound == 0 else {
            Glibc.close(descriptor)
            throw Failure(description: "Could not bind \(path): errno \(errno)")
        }
    }

    /// Reads each datagram as it arrives, on a thread of its own (a blocking read has no place
    /// in the cooperative pool), until `close`; the socket wakes it every 100 ms to see whether
    /// it is closed, and it is the thread that closes the socket, once it no longer reads it.
    private func start() {
        var wake = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
        Thread { [self] in receive() }.start()
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !state.withLock({ $0.closed }) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = Message(text: String(decoding: buffer[..<count], as: UTF8.self), arrived: .now)
            let waiting = state.withLock { state in
                state.messages.append(message)
                defer { state.waiters.removeAll() }
                return Array(state.waiters.values)
            }
            for waiter in waiting { waiter.resume() }
        }
        Glibc.close(descriptor)
    }

    private func close() {
        state.withLock { $0.closed = true }
        if !address.hasPrefix("@") { unlink(address) }
    }

    /// Every message so far.
    public var messages: [Message] { state.withLock { $0.messages } }

    /// The first message after the first `skipping` that contains `field` as one of its lines,
    /// waiting up to `limit` for it.
    @discardableResult
    public func message(with field: String, after skipping: Int = 0, within limit: Duration = .seconds(30)) async throws -> Message {
        let deadline = ContinuousClock.now + limit
        while true {
            let seen = messages
            if let found = seen.dropFirst(skipping).first(where: { $0.fields.contains(field) }) { return found }
            guard ContinuousClock.now < deadline else {
                throw Failure(description: "No \(field) within \(limit); received: \(seen.map(\.text))")
            }
            await arrival(after: seen.count, before: deadline)
        }
    }

    /// Returns once more than `count` messages have arrived, or at `deadline`.
    private func arrival(after count: Int, before deadline: ContinuousClock.Instant) async {
        let key = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    let arrived = self.state.withLock { state in
                        guard state.messages.count <= count, state.abandoned.remove(key) == nil else { return true }
                        state.waiters[key] = continuation
                        return false
                    }
                    if arrived { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
            let waiter = state.withLock { state in
                let waiter = state.waiters.removeValue(forKey: key)
                if waiter == nil { state.abandoned.insert(key) }
                return waiter
            }
            waiter?.resume()
        }
    }
}
