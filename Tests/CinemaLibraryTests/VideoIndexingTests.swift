import CinemaCore
import CinemaTestSupport
import Foundation
import Logging
import Testing

@testable import CinemaLibrary

extension Tag {
    /// Tests that run ffmpeg, ffprobe or espeak-ng on real media.
    @Tag static var media: Self
}

@Suite("Indexing videos", .tags(.media))
struct VideoIndexingTests {
    static let english = SubRipWriter.text([
        .init(start: 0.5, end: 2.0, text: "Good evening, inspector."),
        .init(start: 2.5, end: 4.0, text: "Good evening. Where is the body?"),
        .init(start: 4.5, end: 5.9, text: "In the library, of course."),
    ])
    static let french = SubRipWriter.text([
        .init(start: 0.5, end: 2.0, text: "Bonsoir, inspecteur."),
        .init(start: 2.5, end: 4.0, text: "Bonsoir. Où est le corps?"),
    ])

    @Test("Sidecars, embedded streams, no subtitles, a broken video: each handled and reported")
    func mixedFolder() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = try directory.makeDirectory("films")
            // An English sidecar is preferred over a French one.
            try await MediaFixtures.makeVideo(at: films + "/Sidecar_Mystery_1950.mp4")
            try directory.write("films/Sidecar_Mystery_1950.fr.srt", Self.french)
            try directory.write("films/Sidecar_Mystery_1950.en.srt", Self.english)
            // Inside the container: French first, English second; the English stream is chosen.
            try await MediaFixtures.makeVideo(
                at: films + "/Embedded.mkv",
                title: "The Embedded Mystery",
                subtitles: [.init(srt: Self.french, language: "fre"), .init(srt: Self.english, language: "eng")]
            )
            try await MediaFixtures.makeVideo(at: films + "/Silent_Film.mp4")
            var generator = SystemRandomNumberGenerator()
            let broken = try directory.write("films/Broken.mp4", (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &generator) })

            let report = try await library.indexer.index([films])
            #expect(report.added.sorted() == ["Sidecar Mystery (1950)", "Silent Film", "The Embedded Mystery"])
            // A film without subtitles is kept, without dialogue until its soundtrack is heard
            // (this indexer has no transcription service).
            #expect(report.skipped.isEmpty)
            #expect(report.withoutDialogue.map(\.path) == [films + "/Silent_Film.mp4"])
            #expect(report.withoutDialogue.first?.reason.contains("no subtitles, and no transcription service") == true)
            #expect(report.transcription?.unavailable == "no transcription service was given")
            #expect(report.failed.map(\.path) == [broken])
            #expect(report.failed.first?.reason.contains("ffprobe could not read the video") == true)

            let filmsByTitle = Dictionary(uniqueKeysWithValues: try await library.database.films().map { ($0.title, $0) })
            let sidecar = try #require(filmsByTitle["Sidecar Mystery (1950)"])
            #expect(sidecar.subtitlePath == films + "/Sidecar_Mystery_1950.en.srt")
            #expect(sidecar.subtitleSource == "sidecar")
            #expect(abs((sidecar.duration ?? 0) - 6) < 0.2)
            let silent = try #require(filmsByTitle["Silent Film"])
            #expect(silent.subtitleSource == "none")
            #expect(silent.cueCount == 0)
            let embedded = try #require(filmsByTitle["The Embedded Mystery"])
            #expect(embedded.subtitleSource == "embedded:3")
            #expect(embedded.cueCount == 3)

            let clips = try await library.database.search("where is the body", limit: 5)
            #expect(clips.count == 2)
            #expect(Set(clips.map(\.filmTitle)) == ["Sidecar Mystery (1950)", "The Embedded Mystery"])
            #expect(clips.allSatisfy { $0.videoPath?.hasPrefix(films) == true })
            #expect(try await library.database.search("bonsoir").isEmpty)

            // The last line ends at 5.9 s; padding stops at the end of the 6 s film.
            for last in try await library.database.search("library of course") {
                let duration = try #require(try await library.database.film(id: last.filmID)?.duration)
                #expect(last.end == min(5.9 + 0.5, duration))
                #expect(duration < 6.4)
            }
        }
    }

    @Test("Editing only the sidecar re-reads the film; deleting the video drops it")
    func sidecarChanges() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = try directory.makeDirectory("films")
            try await MediaFixtures.makeVideo(at: films + "/Night_Train.mp4")
            let sidecar = try directory.write("films/Night_Train.srt", Self.english)
            #expect(try await library.indexer.index([films]).added == ["Night Train"])

            try directory.write("films/Night_Train.srt", Self.english.replacingOccurrences(of: "inspector", with: "detective"))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: sidecar)
            let second = try await library.indexer.index([films])
            #expect(second.updated == ["Night Train"])
            #expect(try await library.database.search("detective").count == 1)
            #expect(try await library.database.search("inspector").isEmpty)

            try FileManager.default.removeItem(atPath: films + "/Night_Train.mp4")
            let third = try await library.indexer.index([films])
            #expect(third.removed == ["Night Train"])
            #expect(third.unpairedSubtitles == 1)
            #expect(try await library.database.statistics().films == 0)
        }
    }

    @Test("Without ffprobe, videos fail with the fix, and subtitle-only indexing still works")
    func missingFFprobe() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = LibraryConfiguration()
            configuration.ffprobe = "cinema-test-no-such-ffprobe"
            let library = try TestLibrary(directory, configuration: configuration)
            let films = try directory.makeDirectory("films")
            try directory.write("films/Fake.mp4", "not really a video")
            try directory.write("films/Fake.srt", Self.english)
            let report = try await library.indexer.index([films])
            #expect(report.failed.count == 1)
            #expect(
                report.failed.first?.reason.contains("ffprobe was not found at 'cinema-test-no-such-ffprobe': install ffmpeg") == true,
                "\(report.failed)"
            )
            #expect(try await library.indexer.index([films], subtitlesOnly: true).added == ["Fake"])
        }
    }
}
