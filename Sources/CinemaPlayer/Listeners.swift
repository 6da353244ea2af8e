import Foundation
import Synchronization

/// The streams a player's events go to. Held under a lock rather than in the player's actor, so
/// that a stream whose reader has gone (a closed `/events` connection) is forgotten at once from
/// its termination handler, and all of them can be closed from a graceful-shutdown handler,
/// neither of which can wait for the actor.
final class Listeners<Event: Sendable>: Sendable {
    private let streams = Mutex<[UUID: AsyncStream<Event>.Continuation]>([:])
    /// Each reader may fall this far behind before its oldest events are dropped.
    private let buffer: Int

    init(buffer: Int) {
        self.buffer = buffer
    }

    func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(buffer))
        let key = UUID()
        streams.withLock { $0[key] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.streams.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    func send(_ event: Event) {
        // Yielded outside the lock: a reader's termination handler takes it.
        for continuation in streams.withLock({ Array($0.values) }) { continuation.yield(event) }
    }

    func finishAll() {
        let all = streams.withLock { streams in
            defer { streams.removeAll() }
            return Array(streams.values)
        }
        for continuation in all { continuation.finish() }
    }
}
