import CinemaBackend
import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@Suite("Old sessions")
struct RetentionTests {
    @Test("Sessions that ended longer ago than the retention are deleted with their events when the backend starts; newer ones stay")
    func oldSessionsGo() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try await BackendTestLibrary.make(in: directory, video: false)
            let home = directory.file("home")
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let store = try BackendDatabase.open(path: home + "/" + BackendDatabase.fileName)
            let now = Date()
            for (id, daysAgo) in [("old", 40.0), ("recent", 2.0)] {
                let ended = now.addingTimeInterval(-daysAgo * 86_400)
                var record = SessionRecord(id: id, station: nil, config: nil, baseURL: "http://127.0.0.1:8765", createdAt: ended)
                record.status = .ended
                record.endedAt = ended
                record.lastSequence = 1
                let created = SessionEvent(
                    session: id,
                    sequence: 1,
                    at: ended,
                    body: .created(.init(station: nil, baseURL: record.baseURL, config: nil))
                )
                try await store.create(record, events: [created])
            }
            let configuration = BackendHarness.configuration { $0.retentionDays = 30 }
            try await BackendHarness.run(home: home, library: library, configuration: configuration) { backend in
                // Deleted before the backend listens.
                let old = try await backend.http.get("/api/sessions/old")
                #expect(old.status == 404, "\(old.text)")
                #expect(try await backend.http.get("/api/sessions/recent").status == 200)
            }
            #expect(try await store.events(of: "old", after: 0).isEmpty)
            #expect(try await store.events(of: "recent", after: 0).count == 1)
        }
    }
}
