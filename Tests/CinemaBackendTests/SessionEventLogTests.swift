import CinemaCore
import Foundation
import Testing

@testable import CinemaBackend

@Suite("A session's event log and its live feeds")
struct SessionEventLogTests {
    @Test("Watchers get an event only once it is written, in order even when writes end out of order; the end ends their feeds")
    func publishedAfterWrite() async throws {
        var record = SessionRecord(id: "s1", station: nil, config: nil, baseURL: "http://127.0.0.1:1", createdAt: Date())
        record.lastSequence = 1
        var log = SessionEventLog(session: "s1", lastSequence: record.lastSequence)
        let (feed, _) = log.subscribe(opening: [])
        let now = Date()

        let help = log.append(.needsHelp(.init(reason: "first")), at: now, record: &record)
        let second = log.append(.needsHelp(.init(reason: "second")), at: now, record: &record)
        #expect([help.sequence, second.sequence] == [2, 3])
        #expect(record.lastSequence == 3)
        // Numbered, not yet written: a watcher that subscribes now reads history up to 1.
        #expect(log.lastPublished == 1)
        // The later write ends first: it waits for the earlier one.
        log.didWrite([second])
        #expect(log.lastPublished == 1)
        log.didWrite([help])
        #expect(log.lastPublished == 3)
        let ended = log.append(.ended(.init(reason: "operator", audio: .init())), at: now, record: &record)
        log.didWrite([ended])

        var seen: [Int64] = []
        for await item in feed {
            if case .event(let event) = item { seen.append(event.sequence) }
        }
        // The loop ends: the session's end finished the feed.
        #expect(seen == [2, 3, 4])
    }
}
