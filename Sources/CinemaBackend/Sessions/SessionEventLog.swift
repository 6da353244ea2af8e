import CinemaCore
import Foundation
import Logging

/// A session's log as it grows. Each event is numbered in turn; the live feeds get it once its
/// write has been tried, in order, so that a watcher never sees an event that a crash then takes
/// back (and that a restarted backend would number again for something else).
struct SessionEventLog: Sendable {
    let session: String
    private(set) var feeds = SessionFeeds()
    /// The last event the feeds have: history up to here is in the store.
    private(set) var lastPublished: Int64
    /// Numbered, not yet published, in order; and which of them have been written.
    private var unpublished: [SessionEvent] = []
    private var written: Set<Int64> = []

    init(session: String, lastSequence: Int64) {
        self.session = session
        lastPublished = lastSequence
    }

    /// The next event, numbered after the record's last.
    mutating func append(_ body: SessionEvent.Body, at now: Date, record: inout SessionRecord) -> SessionEvent {
        record.lastSequence += 1
        record.updatedAt = now
        let event = SessionEvent(session: session, sequence: record.lastSequence, at: now, body: body)
        unpublished.append(event)
        return event
    }

    /// The events' write is over (a failed one is logged and counted; the session carries on in
    /// memory): the feeds get every event up to the first one still being written. A session's
    /// end also ends its feeds.
    mutating func didWrite(_ events: [SessionEvent]) {
        for event in events { written.insert(event.sequence) }
        var ready = 0
        while ready < unpublished.count, written.remove(unpublished[ready].sequence) != nil {
            let event = unpublished[ready]
            feeds.publish(.event(event))
            lastPublished = event.sequence
            if case .ended = event.body { feeds.finishAll() }
            ready += 1
        }
        unpublished.removeFirst(ready)
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
