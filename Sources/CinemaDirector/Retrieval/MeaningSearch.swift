public import CinemaCore
public import CinemaLibrary
import Foundation

/// Film lines whose meaning is near what the visitor said: their words embedded by the model
/// service (or any OpenAI-compatible embeddings server), compared with every line's vector stored
/// at indexing.
///
/// An actor because it remembers when the embeddings server last failed: a server that is down
/// costs one failed call, not one per turn. Until it is asked again the director answers by words
/// alone, and says so.
public actor MeaningSearch {
    public struct Line: Sendable {
        public var clip: Clip
        /// Cosine similarity to what the visitor said, −1…1.
        public var similarity: Double
    }

    /// Why meaning could not be searched this turn, for the decision's reasoning.
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public nonisolated let model: String
    public nonisolated let lineCount: Int
    private let embedder: any LineEmbedder
    private let index: SemanticIndex
    private let library: LibraryDatabase
    private let retryAfter: Duration
    private var failed: (at: ContinuousClock.Instant, reason: String)?

    public init(embedder: any LineEmbedder, index: SemanticIndex, library: LibraryDatabase, retryAfter: Duration = .seconds(15)) {
        self.embedder = embedder
        self.index = index
        self.library = library
        self.retryAfter = retryAfter
        self.model = index.model
        self.lineCount = index.count
    }

    /// What the visitor said, as a point in meaning: the lines nearest it, and how near any
    /// other line is (a reply found by words, say).
    public struct Query: Sendable {
        public var vector: [Float]
        let index: SemanticIndex

        /// Cosine similarity of each of `clipIDs` that has a vector, −1…1.
        public func similarity(to clipIDs: [Int64]) -> [Int64: Double] {
            index.similarity(of: vector, to: clipIDs)
        }
    }

    /// `text` embedded, or why it could not be.
    public func query(_ text: String) async throws(Unavailable) -> Query {
        guard let vector = try await vectors([text]).first else { throw Unavailable(description: "no vector came back") }
        return Query(vector: vector, index: index)
    }

    /// `texts` embedded, each of unit length (cosine is then a dot product), or why they could not be.
    public func vectors(_ texts: [String]) async throws(Unavailable) -> [[Float]] {
        if let failed, ContinuousClock.now - failed.at < retryAfter {
            throw Unavailable(description: "\(failed.reason) (not asked again for \(retryAfter.seconds) s)")
        }
        do {
            let vectors = try await embedder.embed(texts)
            guard vectors.count == texts.count else { throw Unavailable(description: "\(vectors.count) vectors came back for \(texts.count) texts") }
            failed = nil
            return vectors.map(Self.unit)
        } catch {
            let reason = "the embeddings server (\(embedder.model)) failed: \(error)"
            failed = (ContinuousClock.now, reason)
            throw Unavailable(description: reason)
        }
    }

    private static func unit(_ vector: [Float]) -> [Float] {
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? vector.map { $0 / length } : vector
    }

    /// The `limit` lines nearest in meaning to `query`, nearest first, as playable clips.
    public func lines(nearest query: Query, limit: Int, excluding: Set<Int64> = []) async throws(Unavailable) -> [Line] {
        let matches = await index.nearest(to: query.vector, limit: limit, excluding: excluding, parts: ProcessInfo.processInfo.activeProcessorCount)
        let clips: [Int64: Clip]
        do {
            clips = try await library.clips(withIDs: matches.map(\.cueID))
        } catch {
            throw Unavailable(description: "the library could not be read: \(error)")
        }
        return matches.compactMap { match in clips[match.cueID].map { Line(clip: $0, similarity: match.similarity) } }
    }

    /// The `limit` lines nearest in meaning to `text`.
    public func lines(nearest text: String, limit: Int, excluding: Set<Int64> = []) async throws(Unavailable) -> [Line] {
        try await lines(nearest: try await query(text), limit: limit, excluding: excluding)
    }
}

extension Duration {
    fileprivate var seconds: Int { Int(components.seconds) }
}
