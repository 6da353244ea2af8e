import CinemaCore
import Foundation
import Synchronization

/// One socket in a room: the device, or an observer. What the session sends it waits in a
/// bounded outbox that the socket's writer drains; a socket too slow to keep up is closed
/// instead of letting the outbox grow without end.
final class RoomConnection: Sendable {
    typealias Role = ParticipantRole

    enum Outbound: Sendable, Equatable {
        case text(String)
        /// Close the socket; `policy` means the peer broke the rules (1008), else a normal close.
        case close(reason: String, policy: Bool)
    }

    let id = UUID()
    let role: Role
    /// The largest text message this socket is sent: the peers' frame limit. A bigger one would
    /// cost the device its room (its client drops the connection), so it is never sent.
    let maxMessageBytes: Int
    let outbox: AsyncStream<Outbound>
    /// Fulfilled when the writer has sent everything and closed the socket.
    let drained = OneShot<Void>()
    private let continuation: AsyncStream<Outbound>.Continuation
    private let closing = Mutex(false)

    init(role: Role, capacity: Int, maxMessageBytes: Int = RoomConnection.maxMessageBytes) {
        self.role = role
        self.maxMessageBytes = maxMessageBytes
        (outbox, continuation) = AsyncStream.makeStream(of: Outbound.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// The frame limit of the room's sockets, both ends (1 MiB).
    static let maxMessageBytes = 1 << 20

    func send(_ message: RoomMessage) {
        send(encoded: message.encoded())
    }

    func send(encoded text: String) {
        guard !closing.withLock({ $0 }) else { return }
        let size = text.utf8.count
        if size > maxMessageBytes {
            let type = (try? RoomMessage.decode(text))?.type ?? "a message"
            send(
                .error(
                    "The room could not send \(type) of \(size) bytes, over its \(maxMessageBytes)-byte limit; it was dropped. Report this with the session's id.",
                    code: "message-too-large",
                    fatal: false
                )
            )
            return
        }
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
