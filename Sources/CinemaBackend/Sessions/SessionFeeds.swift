import CinemaCore
import Foundation

/// The live feeds watching one session: each gets its events as they are logged and the room's
/// signals as they change, in order, until the session ends or the reader goes.
struct SessionFeeds: Sendable {
    private var feeds: [UUID: AsyncStream<SessionFeedItem>.Continuation] = [:]

    /// A feed that opens with the room's signals as they stand now.
    mutating func subscribe(opening signals: [LiveSignal]) -> (AsyncStream<SessionFeedItem>, key: UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionFeedItem.self, bufferingPolicy: .bufferingOldest(1024))
        let key = UUID()
        for signal in signals { continuation.yield(.signal(signal)) }
        feeds[key] = continuation
        return (stream, key)
    }

    mutating func unsubscribe(_ key: UUID) {
        feeds.removeValue(forKey: key)?.finish()
    }

    func publish(_ item: SessionFeedItem) {
        for feed in feeds.values { feed.yield(item) }
    }

    /// The session is over: every feed ends after what it has been given.
    mutating func finishAll() {
        for feed in feeds.values { feed.finish() }
        feeds.removeAll()
    }
}
