import CinemaCore
import Foundation
import Logging

/// A session's log as it grows. Each event is numbered in turn and handed to the live feeds at
/// once, in order; `write` makes a batch durable with the session's row.
struct SessionEventLog: Sendable {
    let session: String
    private(set) var feeds = SessionFeeds()

    init(session: String) {
        self.session = session
    }

    /// The next event: numbered after the record's last, published to the feeds. A session's
    /// end also ends its feeds.
    mutating func append(_ body: SessionEvent.Body, at now: Date, record: inout SessionRecord) -> SessionEvent {
        record.lastSequence += 1
        record.updatedAt = now
        let event = SessionEvent(session: session, sequence: record.lastSequence, at: now, body: body)
        feeds.publish(.event(event))
        if case .ended = body { feeds.finishAll() }
        return event
    }

    mutating func subscribe(opening signals: [LiveSignal]) -> (AsyncStream<SessionFeedItem>, key: UUID) {
        feeds.subscribe(opening: signals)
    }

    mutating func unsubscribe(_ key: UUID) { feeds.unsubscribe(key) }

    func publish(_ signal: LiveSignal) { feeds.publish(.signal(signal)) }

    /// Writes events and the session row. A failed write is logged and counted: the session
    /// carries on in memory rather than stopping the room.
    static func write(_ events: [SessionEvent], record: SessionRecord, services: SessionServices, logger: Logger) async {
        guard !events.isEmpty else { return }
        do {
            try await services.store.append(events, session: record)
        } catch {
            services.metrics.error("store")
            logger.error("Could not save session events", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
    }
}
