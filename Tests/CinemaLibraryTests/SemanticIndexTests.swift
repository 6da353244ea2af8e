import CinemaCore
import Testing

@testable import CinemaLibrary

@Suite("Semantic index")
struct SemanticIndexTests {
    @Test("A vector stored as bytes comes back as the same direction, within a hundredth of a cosine")
    func quantisationRoundTrip() throws {
        var generator = SeededRandom(seed: 7)
        for _ in 0..<50 {
            let vector = (0..<384).map { _ in Float.random(in: -3...3, using: &generator) }
            let stored = try #require(EmbeddingVector(quantizing: vector))
            #expect(stored.components.count == 384)
            #expect(stored.components.allSatisfy { $0 >= -127 })
            #expect(Self.cosine(vector, stored.floats) > 0.99)
            // Read back from its bytes, it is the same vector.
            #expect(EmbeddingVector(components: stored.components) == stored)
        }
        // The largest component of a unit vector becomes ±127, never −128.
        #expect(EmbeddingVector(quantizing: [-1, 0, 0])?.components == [-127, 0, 0])
        #expect(EmbeddingVector(quantizing: [0.6, 0.8])?.components == [76, 102])
        // No direction, no vector.
        #expect(EmbeddingVector(quantizing: []) == nil)
        #expect(EmbeddingVector(quantizing: [0, 0, 0]) == nil)
        #expect(EmbeddingVector(quantizing: [1, .nan, 0]) == nil)
        #expect(EmbeddingVector(components: [-128, 5]).components == [-127, 5])
    }

    @Test("nearest gives the same lines, in the same order, as a brute-force scan in Double", arguments: [384, 100])
    func nearestMatchesBruteForce(dimensions: Int) throws {
        var generator = SeededRandom(seed: UInt64(dimensions))
        let count = 3000
        let vectors = (0..<count).map { _ in
            EmbeddingVector(quantizing: (0..<dimensions).map { _ in Float.random(in: -1...1, using: &generator) })!
        }
        let ids = (0..<count).map { Int64($0 * 3 + 11) }
        let index = SemanticIndex(model: "test", dimensions: dimensions, ids: ids, vectors: vectors)
        #expect(index.count == count)
        for _ in 0..<20 {
            let query = (0..<dimensions).map { _ in Float.random(in: -1...1, using: &generator) }
            let excluded = Set(ids.shuffled(using: &generator).prefix(200))
            for limit in [1, 10, 50] {
                let found = index.nearest(to: query, limit: limit, excluding: excluded)
                let expected = Self.bruteForce(query, ids: ids, vectors: vectors, limit: limit, excluding: excluded)
                #expect(found.map(\.cueID) == expected.map(\.cueID))
                for (match, reference) in zip(found, expected) {
                    #expect(abs(match.similarity - reference.similarity) < 1e-5)
                }
                #expect(found.allSatisfy { !excluded.contains($0.cueID) })
            }
        }
    }

    @Test("A line is its own nearest, with a cosine of 1; opposite lines come last")
    func selfAndOpposite() {
        let a = EmbeddingVector(quantizing: [1, 0, 0, 0])!
        let b = EmbeddingVector(quantizing: [0, 1, 0, 0])!
        let c = EmbeddingVector(quantizing: [-1, 0, 0, 0])!
        let index = SemanticIndex(model: "test", dimensions: 4, ids: [1, 2, 3], vectors: [a, b, c])
        let found = index.nearest(to: [2, 0, 0, 0], limit: 3)
        #expect(found == [SemanticMatch(cueID: 1, similarity: 1), SemanticMatch(cueID: 2, similarity: 0), SemanticMatch(cueID: 3, similarity: -1)])
        #expect(index.nearest(to: [2, 0, 0, 0], limit: 3, excluding: [1]).map(\.cueID) == [2, 3])
    }

    @Test("An empty index, a limit past the count, a query of another length or no direction")
    func edges() {
        let empty = SemanticIndex(model: "test", dimensions: 4, ids: [], vectors: [])
        #expect(empty.count == 0)
        #expect(empty.nearest(to: [1, 0, 0, 0], limit: 5).isEmpty)

        let vectors = [[1, 0, 0, 0], [0.9, 0.1, 0, 0], [0, 0, 1, 0]].map { EmbeddingVector(quantizing: $0)! }
        let index = SemanticIndex(model: "test", dimensions: 4, ids: [10, 20, 30], vectors: vectors)
        #expect(index.nearest(to: [1, 0, 0, 0], limit: 50).map(\.cueID) == [10, 20, 30])
        #expect(index.nearest(to: [1, 0, 0, 0], limit: 0).isEmpty)
        #expect(index.nearest(to: [1, 0, 0], limit: 5).isEmpty)
        #expect(index.nearest(to: [0, 0, 0, 0], limit: 5).isEmpty)
        #expect(index.nearest(to: [1, 0, 0, 0], limit: 5, excluding: [10, 20, 30]).isEmpty)
        // A stored vector of another length is left out rather than misread.
        let mixed = SemanticIndex(model: "test", dimensions: 4, ids: [1, 2], vectors: [vectors[0], EmbeddingVector(quantizing: [1, 0])!])
        #expect(mixed.count == 1)
    }

    /// The reference: cosines of the stored bytes and the query's, in Double, best first, ties
    /// to the lower id.
    static func bruteForce(_ query: [Float], ids: [Int64], vectors: [EmbeddingVector], limit: Int, excluding: Set<Int64>) -> [SemanticMatch] {
        let stored: [Double] = EmbeddingVector(quantizing: query)!.components.map { Double($0) }
        var matches: [SemanticMatch] = []
        for (id, vector) in zip(ids, vectors) where !excluding.contains(id) {
            let components: [Double] = vector.components.map { Double($0) }
            matches.append(SemanticMatch(cueID: id, similarity: cosine(stored, components)))
        }
        matches.sort { $0.similarity > $1.similarity || ($0.similarity == $1.similarity && $0.cueID < $1.cueID) }
        return Array(matches.prefix(limit))
    }

    static func cosine<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> T {
        var dot = T(0)
        var left = T(0)
        var right = T(0)
        for (x, y) in zip(a, b) {
            dot += x * y
            left += x * x
            right += y * y
        }
        return dot / (left.squareRoot() * right.squareRoot())
    }
}
