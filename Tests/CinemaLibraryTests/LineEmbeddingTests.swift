import CinemaCore
import CinemaTestSupport
import Foundation
import GRDB
import Synchronization
import Testing

@testable import CinemaLibrary

/// A model that embeds each line by its words (the loopback server's vectors), and remembers
/// what it was asked: what the library sends and how often.
actor RecordingEmbedder: LineEmbedder {
    nonisolated let model: String
    private(set) var requests: [[String]] = []

    init(model: String = "all-MiniLM-L6-v2") {
        self.model = model
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        requests.append(texts)
        return texts.map { FakeModelServer.wordVector($0) }
    }

    var lines: [String] { requests.flatMap { $0 } }
}

@Suite("Embedding the library's lines")
struct LineEmbeddingTests {
    @Test("Spoken lines are embedded once, in batches, with line breaks as spaces; a second run embeds none")
    func incremental() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Parlour.srt", LibraryDatabaseTests.parlour)
            try library.writeSubtitles("films/Roof.srt", [(1, 2, "The cat is on\nthe roof."), (3, 4, "Who cares about cats?")])
            _ = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            let embedder = RecordingEmbedder()
            let steps = Steps()

            let first = try await library.database.embedLines(with: embedder, batchSize: 3) { steps.add($0.completed) }
            #expect(first.embedded == 8)
            #expect(first.lines == 8)
            #expect(first.missing == 0)
            #expect(!first.interrupted)
            #expect(steps.values == [3, 6, 8])
            let sent = await embedder.lines
            #expect(sent.count == 8)
            #expect(sent.contains("The cat is on the roof."))
            #expect(!sent.contains("[DOOR SLAMS]"))
            #expect(await embedder.requests.map(\.count) == [3, 3, 2])

            let again = try await library.database.embedLines(with: embedder, batchSize: 3)
            #expect(again.embedded == 0)
            #expect(again.lines == 8)
            #expect(await embedder.requests.count == 3)

            // Stored and loaded: the line is its own nearest, and its clip is search's clip.
            let index = try #require(try await SemanticIndex.load(from: library.database, model: embedder.model))
            #expect(index.count == 8)
            #expect(index.dimensions == 384)
            let nearest = index.nearest(to: FakeModelServer.wordVector("where have you been all night"), limit: 2)
            let clips = try await library.database.clips(withIDs: nearest.map(\.cueID) + [999_999])
            #expect(clips.count == 2)
            let best = try #require(clips[nearest[0].cueID])
            #expect(best.text == "Where have you been all night?")
            #expect(
                best
                    == (try await library.database.search("where have you been all night").first.map { clip in
                        var clip = clip
                        clip.score = nil
                        return clip
                    })
            )
            #expect(try await SemanticIndex.load(from: library.database, model: "another-model") == nil)
        }
    }

    @Test("A changed subtitle file loses its lines' vectors, and only its new lines are embedded")
    func reindexedFilm() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Parlour.srt", LibraryDatabaseTests.parlour)
            try library.writeSubtitles("films/Roof.srt", [(1, 2, "The cat is on the roof."), (3, 4, "Who cares about cats?")])
            _ = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            let embedder = RecordingEmbedder()
            _ = try await library.database.embedLines(with: embedder)

            try library.writeSubtitles(
                "films/Roof.srt",
                [(1, 2, "The dog is in the garden."), (3, 4, "Who cares about dogs?"), (5, 6, "Everybody does, madam.")]
            )
            let reindex = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(reindex.updated == ["Roof"])
            let stale = try await library.database.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM lineEmbedding WHERE cueId NOT IN (SELECT id FROM cue)")
            }
            #expect(stale == 0)

            let second = try await library.database.embedLines(with: embedder)
            #expect(second.embedded == 3)
            #expect(second.lines == 9)
            #expect(await embedder.requests.last?.sorted() == ["Everybody does, madam.", "The dog is in the garden.", "Who cares about dogs?"])
            let index = try #require(try await SemanticIndex.load(from: library.database, model: embedder.model))
            let best = try #require(index.nearest(to: FakeModelServer.wordVector("the dog is in the garden"), limit: 1).first)
            #expect(try await library.database.clip(id: best.cueID)?.text == "The dog is in the garden.")
        }
    }

    @Test("Another model embeds every line again, and its vectors replace the old model's")
    func modelChange() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Parlour.srt", LibraryDatabaseTests.parlour)
            _ = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            _ = try await library.database.embedLines(with: RecordingEmbedder(model: "old-model"))
            let other = RecordingEmbedder(model: "nomic-embed-text")
            let report = try await library.database.embedLines(with: other)
            #expect(report.embedded == 6)
            #expect(report.model == "nomic-embed-text")
            #expect(try await SemanticIndex.load(from: library.database, model: "old-model") == nil)
            #expect(try await SemanticIndex.load(from: library.database, model: "nomic-embed-text")?.count == 6)
            #expect(try await library.database.embedLines(with: other).embedded == 0)
        }
    }

    @Test("Vectors that do not fit are refused with the reason, and batches stored before stay")
    func unfitVectors() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Parlour.srt", LibraryDatabaseTests.parlour)
            _ = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            await #expect {
                try await library.database.embedLines(with: ShortAnswers(), batchSize: 2)
            } throws: { error in
                "\(error)".contains("3 vectors for 2 lines") || "\(error)".contains("where the model's others have")
            }
            #expect(try await SemanticIndex.load(from: library.database, model: "short")?.count == 2)
        }
    }

    @Test("A cancelled run keeps the batches it finished and says it was interrupted")
    func cancelled() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Parlour.srt", LibraryDatabaseTests.parlour)
            _ = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            let report = try await library.database.embedLines(with: CancelsOnSecondBatch(), batchSize: 2)
            #expect(report.interrupted)
            #expect(report.embedded == 2)
            #expect(report.missing == 4)
        }
    }

    @Test("A library from before embeddings opens with an empty vector table, and its lines can be embedded")
    func migration() async throws {
        try await TemporaryDirectory.with { directory in
            try await LibraryMigrationTests.dawn(in: directory, migratingUpTo: "v3: cues transcribed from the soundtrack, and the pieces done so far")
            let test = try TestLibrary(directory)
            #expect(try await SemanticIndex.load(from: test.database, model: "all-MiniLM-L6-v2") == nil)
            let report = try await test.database.embedLines(with: RecordingEmbedder())
            #expect(report.embedded == 1)
            #expect(try await test.database.search("dawn").map(\.text) == ["At dawn."])
            #expect(try await test.indexer.index([directory.file("films")], subtitlesOnly: true).unchanged == 1)
        }
    }
}

/// Progress steps, as a run reports them.
final class Steps: Sendable {
    private let storage = Mutex<[Int]>([])
    func add(_ value: Int) { storage.withLock { $0.append(value) } }
    var values: [Int] { storage.withLock { $0 } }
}

/// Answers the first batch well, then with a vector too many.
actor ShortAnswers: LineEmbedder {
    nonisolated let model = "short"
    private var calls = 0

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls += 1
        let vectors = texts.map { FakeModelServer.wordVector($0) }
        return calls == 1 ? vectors : vectors + [vectors[0]]
    }
}

/// Embeds the first batch, then is cancelled while asked for the second, as a run stopped
/// by Ctrl-C is.
actor CancelsOnSecondBatch: LineEmbedder {
    nonisolated let model = "cancelled"
    private var calls = 0

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls += 1
        if calls > 1 { throw CancellationError() }
        return texts.map { FakeModelServer.wordVector($0) }
    }
}
