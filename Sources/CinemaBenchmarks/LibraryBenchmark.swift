import ArgumentParser
import CinemaCore
import CinemaLibrary
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Measures the library on real subtitles: index throughput, search and reply latency, size,
/// memory. Build in release mode: `swift run -c release cinema-bench library --films ../shared/data/films`.
struct LibraryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "Benchmark the film library (index, search, reply lookup) on real subtitles."
    )

    @Option(help: "Folder of .srt files to index (the 60 films of ../shared/data/films).")
    var films: String

    @Option(help: "How many copies of the films make the large library (5 × 73k ≈ 365k cues).")
    var copies = 5

    @Option(help: "How many search queries to time per library.")
    var queries = 2000

    @Option(help: "Random seed for choosing the queries.")
    var seed: UInt64 = 42

    @Option(help: "Scratch folder (default: a new folder in the system temp directory).")
    var work: String?

    func run() async throws {
        let scratch = work ?? FileManager.default.temporaryDirectory.path + "/cinema-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let source = AbsolutePath.resolve(films)
        let sourceFiles = try FileManager.default.contentsOfDirectory(atPath: source).filter { $0.hasSuffix(".srt") }.sorted()

        print("# cinema-bench — \(sourceFiles.count) films from \(source), \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        var rows: [[String]] = []

        // Parsing alone, to tell the parser's share of indexing from the database's.
        let clock = ContinuousClock()
        let parseStart = clock.now
        var parsedCues = 0
        for file in sourceFiles { parsedCues += try SubtitleParser.parse(fileAt: source + "/" + file).cues.count }
        let parseSeconds = (clock.now - parseStart) / .seconds(1)
        print(
            "parse only: \(parsedCues) cues in \(String(format: "%.2f", parseSeconds)) s = \(String(format: "%.0f", Double(parsedCues) / parseSeconds)) cues/s (one core)"
        )

        // The real library, then one made by indexing the same films again under other names.
        let small = try await measure(name: "\(sourceFiles.count) films", folders: [source], scratch: scratch + "/small")
        rows.append(small)

        var folders: [String] = []
        for copy in 1...copies {
            let folder = scratch + "/copies/copy-\(copy)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in sourceFiles {
                try FileManager.default.copyItem(atPath: source + "/" + file, toPath: folder + "/Copy\(copy)_" + file)
            }
            folders.append(folder)
        }
        rows.append(try await measure(name: "\(copies) × \(sourceFiles.count) films", folders: folders, scratch: scratch + "/large"))

        print(
            Table.markdown(
                header: [
                    "library", "cues", "index s", "index cues/s", "search p50 ms", "search p99 ms", "search max ms", "reply p50 µs", "reply p99 µs",
                    "db MiB",
                ],
                rows: rows
            )
        )
        print("\nqueries: \(queries) per library, short spoken lines sampled from the films (seed \(seed)), limit 10")
        print("peak memory (max RSS of this process, whole run): \(String(format: "%.1f", peakMemoryMiB())) MiB")
    }

    private func measure(name: String, folders: [String], scratch: String) async throws -> [String] {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = scratch + "/library.sqlite"
        let library = try LibraryDatabase.open(path: path)
        let indexer = Indexer(database: library, probe: MediaProbe(), logger: Logger(label: "bench"))
        let clock = ContinuousClock()
        let started = clock.now
        let report = try await indexer.index(folders, subtitlesOnly: true)
        let indexSeconds = (clock.now - started) / .seconds(1)
        let statistics = try await library.statistics()

        let lines = try await sampleQueries(from: library)
        // Warm the page cache and the statement cache, as a running backend would have.
        for query in lines.prefix(200) { _ = try await library.search(query, limit: 10) }
        var searchTimes: [Double] = []
        var replyTimes: [Double] = []
        var resultCounts: [Int] = []
        for query in lines {
            let searchStart = clock.now
            let clips = try await library.search(query, limit: 10)
            searchTimes.append((clock.now - searchStart) / .milliseconds(1))
            resultCounts.append(clips.count)
            if let top = clips.first {
                let replyStart = clock.now
                _ = try await library.reply(to: top.id)
                replyTimes.append((clock.now - replyStart) / .microseconds(1))
            }
        }
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.doubleValue ?? 0
        print("\(name): \(report.added.count) films, \(statistics.cues) cues indexed in \(String(format: "%.2f", indexSeconds)) s")
        let full = resultCounts.filter { $0 == 10 }.count
        let empty = resultCounts.filter { $0 == 0 }.count
        print(
            "  results per query: mean \(String(format: "%.1f", Double(resultCounts.reduce(0, +)) / Double(max(1, resultCounts.count)))), "
                + "\(full) of \(resultCounts.count) queries got all 10, \(empty) got none"
        )
        return [
            name, "\(statistics.cues)", String(format: "%.2f", indexSeconds), String(format: "%.0f", Double(report.cuesWritten) / indexSeconds),
            String(format: "%.2f", Percentiles(searchTimes).p50), String(format: "%.2f", Percentiles(searchTimes).p99),
            String(format: "%.2f", searchTimes.max() ?? 0),
            String(format: "%.0f", Percentiles(replyTimes).p50), String(format: "%.0f", Percentiles(replyTimes).p99),
            String(format: "%.1f", (size + wal) / 1_048_576),
        ]
    }

    /// Short spoken sentences, as speech-to-text would give them: lower case, no punctuation.
    private func sampleQueries(from library: LibraryDatabase) async throws -> [String] {
        var generator = SeededRandom(seed: seed)
        var queries: [String] = []
        var attempts = 0
        while queries.count < self.queries && attempts < self.queries * 50 {
            attempts += 1
            let id = Int64.random(in: 1...200_000, using: &generator)
            guard let clip = try await library.clip(id: id) else { continue }
            let words = clip.text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "'" })
            guard (3...12).contains(words.count) else { continue }
            queries.append(words.joined(separator: " "))
        }
        return queries
    }

    private func peakMemoryMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}

enum Table {
    static func markdown(header: [String], rows: [[String]]) -> String {
        ([header, header.map { _ in "---" }] + rows).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }
}
