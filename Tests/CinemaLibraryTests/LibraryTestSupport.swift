import CinemaCore
import CinemaTestSupport
import Logging

@testable import CinemaLibrary

/// A library in a temporary directory, with a helper to write small subtitle files into it.
struct TestLibrary {
    let directory: TemporaryDirectory
    let database: LibraryDatabase

    init(_ directory: TemporaryDirectory, configuration: LibraryConfiguration = LibraryConfiguration()) throws {
        self.directory = directory
        database = try LibraryDatabase.open(path: directory.file("library.sqlite"), configuration: configuration)
    }

    var indexer: Indexer {
        Indexer(database: database, probe: MediaProbe(configuration: database.configuration), logger: Logger(label: "test"))
    }

    /// Writes an .srt of `lines` (start, end, text) at `name` under the test directory.
    @discardableResult
    func writeSubtitles(_ name: String, _ lines: [(Double, Double, String)]) throws -> String {
        try directory.write(name, SubRipWriter.text(lines.map { SubRipWriter.Entry(start: $0.0, end: $0.1, text: $0.2) }))
    }
}
