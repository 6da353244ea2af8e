import CinemaCore
import Foundation
import GRDB

/// What embedding the library's spoken lines did, in one run.
public struct EmbeddingReport: Sendable, Codable, Equatable {
    public var model: String
    /// Lines embedded by this run.
    public var embedded = 0
    /// Spoken lines with a vector of this model after the run, and without one.
    public var lines = 0
    public var missing = 0
    public var seconds: Double = 0
    /// The run was stopped before the end; every batch finished is kept.
    public var interrupted = false
    /// Why lines were left without a vector (the service is not installed or failed), for
    /// the person who ran it; set by whoever ran the embedding.
    public var unavailable: String?

    public init(model: String) {
        self.model = model
    }
}

/// How far embedding has gone, reported after each batch.
public struct EmbeddingProgress: Sendable {
    /// Lines embedded by this run so far, out of those it set out to embed.
    public var completed: Int
    public var total: Int
    public var elapsed: Double

    /// Seconds until every line is embedded, at the speed so far.
    public var remaining: Double? {
        completed > 0 && elapsed > 0 ? Double(total - completed) * elapsed / Double(completed) : nil
    }
}

extension EmbeddingError {
    /// The embedder's vectors do not fit what was asked, or what is stored for its model.
    static func unfit(_ embedder: any LineEmbedder, _ detail: String) -> EmbeddingError {
        .malformed(url: "the \(embedder.model) embedder", detail: detail)
    }
}

extension LibraryDatabase {
    /// Embeds every spoken line (the lines search and replies can play) that has no vector of
    /// `embedder`'s model, `batchSize` lines a request, and stores each batch as it comes: a
    /// run on an unchanged library asks nothing, a cancelled one keeps every batch done (and
    /// says it was `interrupted`), and a line whose vector is of another model gets one of
    /// this model instead. The text sent is the line with its line breaks as spaces.
    ///
    /// Throws ``EmbeddingError`` when the embedder fails or answers with vectors that do not
    /// fit, ``LibraryError`` when the library does; what was stored before stays.
    public func embedLines(
        with embedder: any LineEmbedder,
        batchSize: Int = 64,
        progress: @escaping @Sendable (EmbeddingProgress) -> Void = { _ in }
    ) async throws -> EmbeddingReport {
        let model = embedder.model
        let clock = ContinuousClock()
        let started = clock.now
        let (pending, storedLength) = try await read { db in
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT cue.id, cue.text FROM cue LEFT JOIN lineEmbedding AS stored ON stored.cueId = cue.id AND stored.model = ?
                    WHERE cue.kind = ? AND stored.cueId IS NULL ORDER BY cue.id
                    """,
                arguments: [model, CueKind.speech]
            ).map { PendingLine(id: $0[0], text: $0[1]) }
            let length = try Int.fetchOne(db, sql: "SELECT length(vector) FROM lineEmbedding WHERE model = ? LIMIT 1", arguments: [model])
            return (lines, length)
        }
        var report = EmbeddingReport(model: model)
        var length = storedLength
        let size = max(1, batchSize)
        for start in Swift.stride(from: 0, to: pending.count, by: size) {
            if Task.isCancelled {
                report.interrupted = true
                break
            }
            let batch = Array(pending[start..<min(start + size, pending.count)])
            let vectors: [[Float]]
            do {
                vectors = try await embedder.embed(batch.map { $0.text.split(whereSeparator: \.isNewline).joined(separator: " ") })
            } catch is CancellationError {
                report.interrupted = true
                break
            }
            guard vectors.count == batch.count else {
                throw EmbeddingError.unfit(embedder, "\(vectors.count) vectors for \(batch.count) lines")
            }
            var stored: [EmbeddingVector] = []
            for (line, vector) in zip(batch, vectors) {
                guard let quantized = EmbeddingVector(quantizing: vector) else {
                    throw EmbeddingError.unfit(embedder, "the vector of line \(line.id) is empty, all zeros or not numbers")
                }
                guard quantized.components.count == length ?? quantized.components.count else {
                    throw EmbeddingError.unfit(
                        embedder,
                        "a vector of \(quantized.components.count) numbers where the model's others have \(length ?? 0)"
                    )
                }
                length = quantized.components.count
                stored.append(quantized)
            }
            report.embedded += try await write { [stored] db in
                // Only if the line is still the one embedded: a film read again meanwhile may
                // have deleted it, or given its id to another line.
                let insert = try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO lineEmbedding (cueId, model, vector)
                        SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM cue WHERE id = ? AND text = ?)
                        """
                )
                var written = 0
                for (line, vector) in zip(batch, stored) {
                    let bytes = vector.components.withUnsafeBytes { Data($0) }
                    try insert.execute(arguments: [line.id, model, bytes, line.id, line.text])
                    written += db.changesCount
                }
                return written
            }
            progress(EmbeddingProgress(completed: start + batch.count, total: pending.count, elapsed: (clock.now - started) / .seconds(1)))
        }
        let status = try await embeddingStatus(model: model)
        report.lines = status.lines
        report.missing = status.missing
        report.seconds = (clock.now - started) / .seconds(1)
        return report
    }
}

extension LibraryDatabase {
    /// How many spoken lines have a vector of `model`, and how many do not, in a report of no
    /// work done.
    public func embeddingStatus(model: String) async throws(LibraryError) -> EmbeddingReport {
        try await read { db in
            var report = EmbeddingReport(model: model)
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT count(stored.cueId), count(*) - count(stored.cueId)
                    FROM cue LEFT JOIN lineEmbedding AS stored ON stored.cueId = cue.id AND stored.model = ?
                    WHERE cue.kind = ?
                    """,
                arguments: [model, CueKind.speech]
            )
            report.lines = row?[0] ?? 0
            report.missing = row?[1] ?? 0
            return report
        }
    }
}

private struct PendingLine: Sendable {
    var id: Int64
    var text: String
}

extension SemanticIndex {
    /// The vectors of `model` in `library`, nil when it has none (nothing embedded yet, or by
    /// another model). A snapshot: lines embedded later need another load.
    public static func load(from library: LibraryDatabase, model: String) async throws -> SemanticIndex? {
        try await library.read { db in
            let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM lineEmbedding WHERE model = ?", arguments: [model]) ?? 0
            guard count > 0,
                let dimensions = try Int.fetchOne(db, sql: "SELECT length(vector) FROM lineEmbedding WHERE model = ? LIMIT 1", arguments: [model])
            else { return nil }
            var builder = Builder(model: model, dimensions: dimensions, capacity: count)
            let rows = try Row.fetchCursor(db, sql: "SELECT cueId, vector FROM lineEmbedding WHERE model = ? ORDER BY cueId", arguments: [model])
            while let row = try rows.next() {
                let id: Int64 = row[0]
                try row.withUnsafeData(atIndex: 1) { data in
                    data?.withUnsafeBytes { builder.append(id: id, components: $0) }
                }
            }
            let index = builder.index
            return index.count > 0 ? index : nil
        }
    }
}
