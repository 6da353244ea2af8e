import CinemaCore
import Foundation
import Synchronization

/// One socket in a room: the device, or an observer. What the session sends it waits in a
/// bounded outbox that the socket's writer drains; a socket too slow to keep up is closed
/// instead of letting the outbox grow without end.
final class RoomConnection: Sendable {
    enum Role: String, Sendable {
        case device, observer
    }

    enum Outbound: Sendable, Equatable {
        case text(String)
        /// Close the socket; `policy` means the peer broke the rules (1008), else a normal close.
        case close(reason: String, policy: Bool)
    }

    let id = UUID()
    let role: Role
    let outbox: AsyncStream<Outbound>
    /// Fulfilled when the writer has sent everything and closed the socket.
    let drained = OneShot<Void>()
    private let continuation: AsyncStream<Outbound>.Continuation
    private let closing = Mutex(false)

    init(role: Role, capacity: Int) {
        self.role = role
        (outbox, continuation) = AsyncStream.makeStream(of: Outbound.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    func send(_ message: RoomMessage) {
        send(encoded: message.encoded())
    }

    func send(encoded text: String) {
        guard !closing.withLock({ $0 }) else { return }
        if case .dropped = continuation.yield(.text(text)) {
            close(reason: "This socket fell too far behind; reconnect.", policy: true)
        }
    }

    /// Queues the close after everything already queued; later sends are ignored.
    func close(reason: String, policy: Bool) {
        let already = closing.withLock { closing in
            defer { closing = true }
            return closing
        }
        guard !already else { return }
        // The outbox may be full (a slow socket); the writer closes anyway when the stream ends.
        _ = continuation.yield(.close(reason: reason, policy: policy))
        continuation.finish()
    }

    var isClosing: Bool { closing.withLock { $0 } }
}
