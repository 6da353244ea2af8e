import ArgumentParser
import CinemaCore
import CinemaLibrary
import Foundation

/// Measures search by meaning: `nearest(limit: 50)` over indexes of random unit vectors the
/// size of the real library and of five copies of it, and loading a real library's vectors.
/// Build in release mode: `swift run -c release cinema-bench semantic`.
struct SemanticBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semantic",
        abstract: "Benchmark search by meaning (SemanticIndex.nearest) and loading vectors from a library."
    )

    @Option(parsing: .upToNextOption, help: "Index sizes to time (the 60 films have 73k spoken lines; five copies 365k).")
    var lines: [Int] = [73_000, 365_000]

    @Option(help: "Vector length (all-MiniLM-L6-v2: 384).")
    var dimensions = 384

    @Option(help: "Queries to time per index.")
    var queries = 1000

    @Option(help: "A library.sqlite whose vectors to load and query.")
    var library: String?

    @Option(help: "The embedding model whose vectors to load from --library.")
    var model = "all-MiniLM-L6-v2"

    func run() async throws {
        print("# cinema-bench semantic — \(dimensions) dimensions, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        print("| index | lines | build/load | nearest p50 | nearest p99 | over all cores p50 | p99 |")
        print("|---|---|---|---|---|---|---|")
        var generator = SeededRandom(seed: 42)
        for count in lines {
            let clock = ContinuousClock()
            let started = clock.now
            let vectors = (0..<count).map { _ in Self.randomVector(dimensions, &generator) }
            let index = SemanticIndex(model: "random", dimensions: dimensions, ids: (0..<count).map(Int64.init), vectors: vectors)
            let built = clock.now - started
            let (p50, p99, split50, split99) = await time(index, &generator)
            print(
                "| random unit vectors | \(index.count) | \(Self.ms(built)) (built) | \(Self.ms(p50)) | \(Self.ms(p99)) | \(Self.ms(split50)) | \(Self.ms(split99)) |"
            )
        }
        if let library {
            let database = try LibraryDatabase.open(path: AbsolutePath.resolve(library))
            let clock = ContinuousClock()
            let started = clock.now
            guard let index = try await SemanticIndex.load(from: database, model: model) else {
                print("\n\(library) has no vectors of \(model): run cinema index with embeddings first.")
                return
            }
            let loaded = clock.now - started
            let (p50, p99, split50, split99) = await time(index, &generator)
            print(
                "| \(library) | \(index.count) | \(Self.ms(loaded)) (loaded) | \(Self.ms(p50)) | \(Self.ms(p99)) | \(Self.ms(split50)) | \(Self.ms(split99)) |"
            )
        }
    }

    /// p50 and p99 of `queries` searches for the 50 nearest of random queries, on one core and
    /// split over all of them (the same queries, so both must find the same lines).
    private func time(_ index: SemanticIndex, _ generator: inout SeededRandom) async -> (Duration, Duration, Duration, Duration) {
        let clock = ContinuousClock()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var single: [Duration] = []
        var split: [Duration] = []
        for _ in 0..<queries {
            let query = Self.randomVector(index.dimensions, &generator).floats
            var started = clock.now
            let alone = index.nearest(to: query, limit: 50)
            single.append(clock.now - started)
            started = clock.now
            let together = await index.nearest(to: query, limit: 50, parts: cores)
            split.append(clock.now - started)
            precondition(alone.count == min(50, index.count) && alone == together, "the split scan found other lines")
        }
        func percentiles(_ times: [Duration]) -> (Duration, Duration) {
            let sorted = times.sorted()
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
        }
        let (p50, p99) = percentiles(single)
        let (split50, split99) = percentiles(split)
        return (p50, p99, split50, split99)
    }

    private static func randomVector(_ dimensions: Int, _ generator: inout SeededRandom) -> EmbeddingVector {
        // Normal components (Box–Muller): a direction drawn evenly from the sphere.
        let components = (0..<dimensions).map { _ -> Float in
            let u = Float.random(in: Float.ulpOfOne...1, using: &generator)
            let v = Float.random(in: 0...1, using: &generator)
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        return EmbeddingVector(quantizing: components)!
    }

    private static func ms(_ duration: Duration) -> String {
        String(format: "%.2f ms", duration / .milliseconds(1))
    }
}
