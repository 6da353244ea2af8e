import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

#if canImport(Glibc)
import Glibc
#endif

/// Symbolic links are followed like the real thing; whatever else is in a films folder (named
/// pipes, devices, links that lead nowhere, folders named like films) is reported by name, and
/// nothing but files and folders is ever opened.
@Suite("Library scanning")
struct LibraryScanningTests {
    @Test("A link to a subtitle file is indexed like the file, and a change to the file behind it is seen")
    func linkToFile() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let real = try library.writeSubtitles("collection/casablanca.srt", [(1, 2, "Here's looking at you, kid.")])
            try directory.makeDirectory("films")
            try FileManager.default.createSymbolicLink(atPath: directory.file("films/Casablanca.srt"), withDestinationPath: real)

            let first = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(first.added == ["Casablanca"])
            #expect(try await library.database.search("looking at you").first?.filmTitle == "Casablanca")

            // The link's own size and date never change; the file's do.
            try library.writeSubtitles("collection/casablanca.srt", [(1, 2, "Round up the usual suspects.")])
            let second = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(second.updated == ["Casablanca"])
            #expect(try await library.database.search("usual suspects").count == 1)
        }
    }

    @Test("A link to a folder is walked like the folder, its films under the link's name")
    func linkToFolder() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("disk/noir/Detour.srt", [(1, 2, "Fate sticks out its foot to trip you.")])
            try library.writeSubtitles("disk/noir/DOA.srt", [(1, 2, "I want to report a murder.")])
            try library.writeSubtitles("films/Calm.srt", [(1, 2, "Nothing to see here.")])
            try FileManager.default.createSymbolicLink(atPath: directory.file("films/noir"), withDestinationPath: directory.file("disk/noir"))

            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.added.sorted() == ["Calm", "DOA", "Detour"])
            #expect(report.failed.isEmpty && report.skipped.isEmpty)
            let murder = try #require(try await library.database.search("report a murder").first)
            #expect(try await library.database.film(id: murder.filmID)?.subtitlePath == directory.file("films/noir/DOA.srt"))
        }
    }

    @Test("A link to an ancestor does not loop, and a file or folder reached twice is indexed once, by its real name")
    func loopsAndTwins() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = directory.file("films")
            try library.writeSubtitles("films/Alpha.srt", [(1, 2, "The first film.")])
            try library.writeSubtitles("films/deep/Beta.srt", [(1, 2, "The second film.")])
            let manager = FileManager.default
            // Sorted first, so walked before the real names if links were not left for last.
            try manager.createSymbolicLink(atPath: films + "/0-again", withDestinationPath: "deep")
            try manager.createSymbolicLink(atPath: films + "/0-Alpha.srt", withDestinationPath: "Alpha.srt")
            try manager.createSymbolicLink(atPath: films + "/deep/up", withDestinationPath: "..")
            try manager.createSymbolicLink(atPath: films + "/deep/root", withDestinationPath: films)

            let report = try await library.indexer.index([films], subtitlesOnly: true)
            #expect(report.added.sorted() == ["Alpha", "Beta"])
            #expect(report.failed.isEmpty)
            let skipped = Dictionary(uniqueKeysWithValues: report.skipped.map { ($0.path, $0.reason) })
            #expect(skipped[films + "/0-again"] == "the same folder as \(films)/deep, which is indexed under that name")
            #expect(skipped[films + "/0-Alpha.srt"] == "the same file as \(films)/Alpha.srt, which is indexed")
            #expect(skipped[films + "/deep/up"] == "leads back to \(films), which holds it; not followed, so the walk does not loop")
            #expect(skipped[films + "/deep/root"] == "leads back to \(films), which holds it; not followed, so the walk does not loop")
            let paths = try await library.database.films().map(\.subtitlePath).sorted()
            #expect(paths == [films + "/Alpha.srt", films + "/deep/Beta.srt"])
        }
    }

    @Test("A named pipe among the films is reported and never opened")
    func pipeInFolder() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Line.srt", [(1, 2, "A line.")])
            let pipe = try WatchedPipe(directory.file("films/Pipe.srt"))

            let (report, opened) = try await pipe.watching { try await library.indexer.index([directory.file("films")], subtitlesOnly: true) }
            #expect(!opened, "the indexer opened the named pipe")
            #expect(report.added == ["Line"])
            #expect(report.skipped == [IndexIssue(path: pipe.path, reason: "a named pipe (FIFO), not a file; it was not opened")])
        }
    }

    @Test("A named pipe given as the path to index fails with its name, and is never opened")
    func pipeAsRoot() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let pipe = try WatchedPipe(directory.file("Pipe.srt"))

            let (report, opened) = try await pipe.watching { try await library.indexer.index([pipe.path], subtitlesOnly: true) }
            #expect(!opened, "the indexer opened the named pipe")
            #expect(report.failed == [IndexIssue(path: pipe.path, reason: "a named pipe (FIFO), not a file or folder; it was not opened")])
            #expect(report.added.isEmpty)
        }
    }

    @Test("A link that leads nowhere fails by name, a device is skipped unopened, a folder named like a film is said to be one")
    func otherEntries() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = directory.file("films")
            try library.writeSubtitles("films/Line.srt", [(1, 2, "A line.")])
            try library.writeSubtitles("films/Folder.srt/Inner.srt", [(1, 2, "A line inside.")])
            try FileManager.default.createSymbolicLink(atPath: films + "/Gone.srt", withDestinationPath: directory.file("nowhere.srt"))
            try FileManager.default.createSymbolicLink(atPath: films + "/Null.srt", withDestinationPath: "/dev/null")

            let report = try await library.indexer.index([films], subtitlesOnly: true)
            #expect(report.added.sorted() == ["Inner", "Line"])
            #expect(
                report.failed == [
                    IndexIssue(
                        path: films + "/Gone.srt",
                        reason:
                            "a link to \(directory.file("nowhere.srt")), which does not exist; films indexed through it are kept until it is mended or removed"
                    )
                ]
            )
            #expect(
                report.skipped.sorted { $0.path < $1.path } == [
                    IndexIssue(
                        path: films + "/Folder.srt",
                        reason: "a folder named like a film, not a video or subtitle file; the films in it are indexed"
                    ),
                    IndexIssue(path: films + "/Null.srt", reason: "a device, not a file; it was not opened"),
                ]
            )
        }
    }

    @Test("Films behind a link that has come to lead nowhere (a disk not mounted) stay in the library")
    func danglingLinkKeepsFilms() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("disk/noir/Detour.srt", [(1, 2, "Fate sticks out its foot to trip you.")])
            try library.writeSubtitles("films/Calm.srt", [(1, 2, "Nothing to see here.")])
            try FileManager.default.createSymbolicLink(atPath: directory.file("films/noir"), withDestinationPath: directory.file("disk/noir"))
            #expect(try await library.indexer.index([directory.file("films")], subtitlesOnly: true).added.sorted() == ["Calm", "Detour"])

            try FileManager.default.removeItem(atPath: directory.file("disk"))
            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.failed.map(\.path) == [directory.file("films/noir")])
            #expect(report.removed.isEmpty)
            #expect(try await library.database.films().map(\.title).sorted() == ["Calm", "Detour"])
        }
    }
}
