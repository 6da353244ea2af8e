import CinemaCore
import CinemaLibrary
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A data directory of its own for one benchmark run, with the films' subtitles indexed into its
/// library; removed by `remove()`.
struct ScratchHome {
    let scratch: String
    let home: String
    let library: LibraryDatabase
    let cues: Int

    static func indexing(_ films: String, for benchmark: String) async throws -> ScratchHome {
        try await make(for: benchmark) { _ in (AbsolutePath.resolve(films), true) }
    }

    /// The demo films (`given`, or made afresh in the scratch folder) indexed with their videos,
    /// for benchmarks that play them.
    static func demo(_ given: String?, for benchmark: String) async throws -> ScratchHome {
        try await make(for: benchmark) { scratch in (try await demoFilms(given, in: scratch), false) }
    }

    private static func make(
        for benchmark: String,
        films: (_ scratch: String) async throws -> (folder: String, subtitlesOnly: Bool)
    ) async throws -> ScratchHome {
        let scratch = FileManager.default.temporaryDirectory.path + "/cinema-bench-\(benchmark)-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        let home = scratch + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let (folder, subtitlesOnly) = try await films(scratch)
        let library = try LibraryDatabase.open(path: home + "/library.sqlite")
        let report = try await Indexer(database: library, probe: MediaProbe(), logger: Logger(label: "bench"))
            .index([folder], subtitlesOnly: subtitlesOnly)
        return ScratchHome(scratch: scratch, home: home, library: library, cues: report.cuesWritten)
    }

    /// `given` when there is one, else the demo films made afresh under `scratch`.
    static func demoFilms(_ given: String?, in scratch: String) async throws -> String {
        if let given { return AbsolutePath.resolve(given) }
        let directory = scratch + "/demo"
        try? FileHandle.standardError.write(contentsOf: Data("Making the demo films…\n".utf8))
        _ = try await DemoLibraryBuilder(configuration: LibraryConfiguration(), logger: Logger(label: "bench")).build(into: directory)
        return directory
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: scratch)
    }
}
