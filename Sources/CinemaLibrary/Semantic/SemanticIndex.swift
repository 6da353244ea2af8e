/// A spoken line whose meaning is close to what was asked, and how close: the cosine of the two
/// embeddings (−1…1, 1 the same meaning).
public struct SemanticMatch: Sendable, Equatable {
    public var cueID: Int64
    public var similarity: Double

    public init(cueID: Int64, similarity: Double) {
        self.cueID = cueID
        self.similarity = similarity
    }
}

/// Every spoken line's embedding of one model, loaded once and never changed: what a director
/// searches by meaning, a whole scan per query.
///
/// The vectors sit in one contiguous `[Int8]`, a row per line padded to a multiple of 32, and
/// a query is scored against each row with 16-lane SIMD in `Int16` (two products of ±127 fit)
/// summed into `Int32`. A bounded heap keeps the best `limit`.
public struct SemanticIndex: Sendable {
    public let model: String
    /// The length of each vector (384 for all-MiniLM-L6-v2).
    public let dimensions: Int
    /// Cue ids, in row order.
    let ids: [Int64]
    /// `count × stride` components, each row zero-padded from `dimensions` to `stride`.
    let rows: [Int8]
    /// 1 / the length of each row, so that the integer dot product becomes a cosine.
    let inverseNorms: [Float]
    let stride: Int

    public var count: Int { ids.count }

    /// The index of `vectors` (one per id, each `dimensions` long); rows of another length are
    /// left out.
    package init(model: String, dimensions: Int, ids: [Int64], vectors: [EmbeddingVector]) {
        var builder = Builder(model: model, dimensions: dimensions)
        for (id, vector) in zip(ids, vectors) {
            vector.components.withUnsafeBufferPointer { builder.append(id: id, components: UnsafeRawBufferPointer($0)) }
        }
        self = builder.index
    }

    fileprivate init(model: String, dimensions: Int, stride: Int, ids: [Int64], rows: [Int8], inverseNorms: [Float]) {
        self.model = model
        self.dimensions = dimensions
        self.stride = stride
        self.ids = ids
        self.rows = rows
        self.inverseNorms = inverseNorms
    }

    /// The `limit` lines closest in meaning to `query` (an embedding of the same model, of any
    /// length scale), best first, leaving out `excluding`. Empty when the query has another
    /// length than the index's vectors or no direction.
    public func nearest(to query: [Float], limit: Int, excluding: Set<Int64> = []) -> [SemanticMatch] {
        guard limit > 0, let prepared = Query(query, dimensions: dimensions, stride: stride), !ids.isEmpty else { return [] }
        return matches(scan(0..<ids.count, prepared, limit: limit, excluding: excluding), prepared)
    }

    /// The same, the scan split over the machine's cores: a large library (hundreds of
    /// thousands of lines) scans in a fraction of the time one core takes.
    public func nearest(to query: [Float], limit: Int, excluding: Set<Int64> = [], parts: Int) async -> [SemanticMatch] {
        guard limit > 0, let prepared = Query(query, dimensions: dimensions, stride: stride), !ids.isEmpty else { return [] }
        // Below this many rows a part costs more to start than it saves.
        let parts = max(1, min(parts, ids.count / 50_000))
        guard parts > 1 else { return matches(scan(0..<ids.count, prepared, limit: limit, excluding: excluding), prepared) }
        let size = (ids.count + parts - 1) / parts
        let found = await withTaskGroup(of: [TopK.Entry].self) { group in
            for start in Swift.stride(from: 0, to: ids.count, by: size) {
                group.addTask { scan(start..<min(start + size, ids.count), prepared, limit: limit, excluding: excluding) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        return matches(Array(found.sorted { $1.isWorse(than: $0) }.prefix(limit)), prepared)
    }

    /// A query quantised as the rows are and widened to `Int16`, zero-padded to the stride.
    struct Query: Sendable {
        let padded: [Int16]
        let scale: Float

        init?(_ query: [Float], dimensions: Int, stride: Int) {
            guard query.count == dimensions, let quantized = EmbeddingVector(quantizing: query) else { return nil }
            var padded = [Int16](repeating: 0, count: stride)
            var squares: Int32 = 0
            for (index, value) in quantized.components.enumerated() {
                padded[index] = Int16(value)
                squares += Int32(value) * Int32(value)
            }
            self.padded = padded
            scale = 1 / Float(squares).squareRoot()
        }
    }

    private func matches(_ entries: [TopK.Entry], _ query: Query) -> [SemanticMatch] {
        entries.map { SemanticMatch(cueID: ids[$0.row], similarity: min(1, max(-1, Double($0.score * query.scale)))) }
    }

    /// The best `limit` rows of `range`, best first.
    private func scan(_ range: Range<Int>, _ query: Query, limit: Int, excluding: Set<Int64>) -> [TopK.Entry] {
        var best = TopK(limit: limit)
        query.padded.withUnsafeBufferPointer { query in
            rows.withUnsafeBufferPointer { rows in
                inverseNorms.withUnsafeBufferPointer { norms in
                    ids.withUnsafeBufferPointer { ids in
                        let chunks = stride / 16
                        let queryChunks = UnsafeRawPointer(query.baseAddress!)
                        let base = UnsafeRawPointer(rows.baseAddress!)
                        for row in range {
                            let dot = Self.dot(base + row * stride, queryChunks, chunks: chunks)
                            let score = Float(dot) * norms[row]
                            guard score > best.threshold, !excluding.contains(ids[row]) else { continue }
                            best.insert(score: score, row: row)
                        }
                    }
                }
            }
        }
        return best.sorted()
    }

    /// The dot product of a row of `Int8` and the query widened to `Int16`, 32 components at a
    /// time: two 16-lane products summed in `Int16` (each is at most 127², so two fit), then
    /// widened and added up in `Int32`.
    @inline(__always)
    private static func dot(_ row: UnsafeRawPointer, _ query: UnsafeRawPointer, chunks: Int) -> Int32 {
        var sum = SIMD16<Int32>()
        var chunk = 0
        while chunk < chunks {
            let first = SIMD16<Int16>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: chunk * 16, as: SIMD16<Int8>.self))
            let second = SIMD16<Int16>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: chunk * 16 + 16, as: SIMD16<Int8>.self))
            let pair =
                first &* query.loadUnaligned(fromByteOffset: chunk * 32, as: SIMD16<Int16>.self)
                &+ second &* query.loadUnaligned(fromByteOffset: chunk * 32 + 32, as: SIMD16<Int16>.self)
            sum &+= SIMD16<Int32>(truncatingIfNeeded: pair)
            chunk += 2
        }
        return sum.wrappedSum()
    }

    /// Builds an index a row at a time, straight from stored bytes.
    struct Builder {
        let model: String
        let dimensions: Int
        let stride: Int
        private var ids: [Int64] = []
        private var rows: [Int8] = []
        private var inverseNorms: [Float] = []

        init(model: String, dimensions: Int, capacity: Int = 0) {
            self.model = model
            self.dimensions = dimensions
            stride = (dimensions + 31) / 32 * 32
            ids.reserveCapacity(capacity)
            rows.reserveCapacity(capacity * stride)
            inverseNorms.reserveCapacity(capacity)
        }

        /// Adds a stored vector; one of another length, or all zeros, is left out.
        mutating func append(id: Int64, components: UnsafeRawBufferPointer) {
            guard components.count == dimensions else { return }
            var squares: Int32 = 0
            for byte in components {
                let value = max(Int8(bitPattern: byte), -127)
                squares += Int32(value) * Int32(value)
            }
            guard squares > 0 else { return }
            for byte in components { rows.append(max(Int8(bitPattern: byte), -127)) }
            rows.append(contentsOf: repeatElement(0, count: stride - dimensions))
            ids.append(id)
            inverseNorms.append(1 / Float(squares).squareRoot())
        }

        var index: SemanticIndex {
            SemanticIndex(model: model, dimensions: dimensions, stride: stride, ids: ids, rows: rows, inverseNorms: inverseNorms)
        }
    }
}

/// The best `limit` scores seen so far: a min-heap, so the worst of them is at hand to beat.
private struct TopK {
    struct Entry: Sendable {
        var score: Float
        var row: Int

        /// Worse: a lower score, or the same score on a later row (so that ties go to the
        /// earlier line, as a sort by cue id would have it).
        func isWorse(than other: Entry) -> Bool {
            score < other.score || (score == other.score && row > other.row)
        }
    }

    let limit: Int
    private var heap: [Entry] = []

    init(limit: Int) {
        self.limit = limit
        heap.reserveCapacity(limit)
    }

    /// A score must beat this to be kept.
    var threshold: Float {
        heap.count < limit ? -.infinity : heap[0].score
    }

    mutating func insert(score: Float, row: Int) {
        let entry = Entry(score: score, row: row)
        if heap.count < limit {
            heap.append(entry)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].isWorse(than: heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
            return
        }
        guard heap[0].isWorse(than: entry) else { return }
        heap[0] = entry
        var parent = 0
        while true {
            var worst = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < heap.count && heap[left].isWorse(than: heap[worst]) { worst = left }
            if right < heap.count && heap[right].isWorse(than: heap[worst]) { worst = right }
            guard worst != parent else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }

    /// Best first.
    func sorted() -> [Entry] {
        heap.sorted { $1.isWorse(than: $0) }
    }
}
