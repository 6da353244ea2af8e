import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

/// Libraries written by an older release, brought up to date when opened.
@Suite("Library migrations")
struct LibraryMigrationTests {
    @Test("A library indexed before the limits loses its overlong and 1 ms cues when opened, and the film is read again")
    func olderLibrary() async throws {
        try await TemporaryDirectory.with { directory in
            let cues = [
                Cue(ordinal: 0, start: 1, end: 2, text: "Before the flood.", kind: .speech),
                Cue(ordinal: 1, start: 2.5, end: 4, text: String(repeating: "flood ", count: 350_000), kind: .speech),
                Cue(ordinal: 2, start: 4.2, end: 4.201, text: "A flood in a blink.", kind: .speech),
                Cue(ordinal: 3, start: 5, end: 6, text: "After the flood.", kind: .speech),
                Cue(ordinal: 4, start: 7, end: 8, text: "", kind: .annotation, annotations: [String(repeating: "BANG ", count: 300)]),
            ]
            do {
                // What the indexer wrote before the limits: the rows go in as they were.
                let old = try await Self.oldLibrary(
                    in: directory,
                    title: "Flood",
                    subtitles: "1\n00:00:01,000 --> 00:00:02,000\nBefore the flood.\n",
                    cues: cues,
                    migratingUpTo: "v1: films, cues, full-text index"
                )
                #expect(try await old.statistics() == LibraryStatistics(films: 1, cues: 5, spokenCues: 4))
            }

            let test = try TestLibrary(directory)
            let library = test.database
            let found = try await library.search("flood", limit: 10)
            #expect(Set(found.map(\.text)) == ["Before the flood.", "After the flood."])
            #expect(try await library.statistics() == LibraryStatistics(films: 1, cues: 2, spokenCues: 2))
            #expect(try await library.clip(id: 2) == nil)
            #expect(try await library.clip(id: 3) == nil)
            #expect(try await library.clip(id: 5) == nil)
            #expect(try await library.reply(to: 1) == nil)
            try await library.checkSearchIndexIntegrity()

            let report = try await test.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.updated == ["Flood"])
        }
    }

    @Test("A library from before transcription opens with its cues marked as read from subtitles, and keeps them")
    func beforeTranscription() async throws {
        try await TemporaryDirectory.with { directory in
            try await Self.dawn(in: directory, migratingUpTo: "v2: no cue shorter than 100 ms or longer than 1000 characters")
            let test = try TestLibrary(directory)
            let found = try await test.database.search("dawn", limit: 10)
            #expect(found.map(\.text) == ["At dawn."])
            #expect(found.first?.transcribed == false)
            #expect(try await test.indexer.index([directory.file("films")], subtitlesOnly: true).unchanged == 1)
        }
    }

    /// A library of one film, "Dawn", written by the code of an older migration, as an
    /// installation from before it would have left it.
    static func dawn(in directory: TemporaryDirectory, migratingUpTo version: String) async throws {
        try await oldLibrary(
            in: directory,
            title: "Dawn",
            subtitles: "1\n00:00:01,000 --> 00:00:02,000\nAt dawn.\n",
            cues: [Cue(ordinal: 0, start: 1, end: 2, text: "At dawn.", kind: .speech)],
            migratingUpTo: version
        )
    }

    /// A library of one film whose rows go in as they are, through the code of an older
    /// migration, where `TestLibrary` keeps its library.
    @discardableResult
    static func oldLibrary(
        in directory: TemporaryDirectory,
        title: String,
        subtitles text: String,
        cues: [Cue],
        migratingUpTo version: String
    ) async throws -> LibraryDatabase {
        let subtitles = try directory.write("films/\(title).srt", text)
        let fingerprint = try #require(Fingerprint(path: subtitles))
        let old = try LibraryDatabase.open(path: directory.file("library.sqlite"), configuration: LibraryConfiguration(), migratingUpTo: version)
        let film = FilmRecord(
            sourcePath: subtitles,
            title: title,
            videoPath: nil,
            subtitlePath: subtitles,
            subtitleSource: FilmReader.subtitlesOnlySource,
            duration: nil,
            sourceSize: fingerprint.size,
            sourceModified: fingerprint.modified,
            subtitleSize: nil,
            subtitleModified: nil,
            cueCount: cues.count,
            skippedCues: 0,
            indexedAt: 0
        )
        try await old.save(film, cues: cues)
        return old
    }
}
