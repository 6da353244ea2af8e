import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

/// What a hostile or broken subtitle file may not put into the library: a file of tens of MB, a
/// cue of megabytes that would become a clip sent whole to the TV and returned by searches, a
/// cue of 1 ms that nobody can hear.
@Suite("Library limits")
struct LibraryLimitsTests {
    @Test("A 20 MB one-line subtitle file is refused whole with a sentence that says why; nothing of it can be found")
    func twentyMegabyteFile() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let flood = try directory.write("films/Flood.srt", Array(SubRipWriter.text([hostile(start: 1, end: 5, bytes: 20_000_000)]).utf8))
            try library.writeSubtitles("films/Calm.srt", [(1, 2, "Nothing to see here.")])

            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(try await library.database.search("flood").isEmpty)
            #expect(try await library.database.statistics().cues == 1)
            #expect(report.added == ["Calm"])
            let failure = try #require(report.failed.first { $0.path == flood })
            #expect(failure.reason.contains("\(flood) is too large for a subtitle file: 19.1 MiB, over the limit of 16 MiB"))
        }
    }

    @Test("A cue of 15 MiB in a file under the size limit is left out and counted; the lines around it are indexed")
    func overlongCue() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let path = try directory.write(
                "films/Flood.srt",
                SubRipWriter.text([
                    SubRipWriter.Entry(start: 1, end: 2, text: "Before the flood."),
                    hostile(start: 2.5, end: 4, bytes: 15 << 20),
                    SubRipWriter.Entry(start: 4.5, end: 6, text: "After the flood."),
                ])
            )
            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.added == ["Flood"])
            #expect(report.failed.isEmpty)
            #expect(report.cueWarnings == [IndexIssue(path: path, reason: "1 cue left out (1 longer than 1000 characters)")])

            // Every way a clip comes out of the library: search (ClipSearch), replies, utterances,
            // single clips, the director's last resort.
            let found = try await library.database.search("flood", limit: 10)
            #expect(Set(found.map(\.text)) == ["Before the flood.", "After the flood."])
            let before = try #require(found.first { $0.text == "Before the flood." })
            #expect(try await library.database.reply(to: before.id)?.text == "After the flood.")
            #expect(try await library.database.utterance(from: before.id)?.text == "Before the flood.")
            let lastID = try await library.database.maxClipID()
            for id in 0...lastID {
                #expect((try await library.database.clip(id: id)?.text.count ?? 0) <= 1000)
            }
            let lastResort = try await library.database.spokenClip(atOrAfter: 0, minSpeech: 0, maxSpeech: 1000)
            #expect(lastResort?.text == "Before the flood.")
        }
    }

    @Test("1000 characters is still a cue, 1001 is not; characters, not bytes")
    func cueLengthBoundary() throws {
        let document = try SubtitleParser.parse(
            Array(
                SubRipWriter.text([
                    SubRipWriter.Entry(start: 1, end: 3, text: String(repeating: "é", count: 1000)),
                    SubRipWriter.Entry(start: 4, end: 6, text: String(repeating: "é", count: 1001)),
                    SubRipWriter.Entry(start: 7, end: 9, text: "[" + String(repeating: "bang ", count: 400) + "]"),
                ]).utf8
            )
        )
        #expect(document.cues.map(\.text.count) == [1000])
        #expect(document.warnings.summary == "2 longer than 1000 characters")
    }

    @Test("Cues shorter than 100 ms are left out and counted; a 100 ms cue and a 300 ms \"Oh!\" are kept")
    func shortCues() async throws {
        let document = try SubtitleParser.parse(
            Array(
                SubRipWriter.text([
                    SubRipWriter.Entry(start: 1, end: 1.001, text: "Any answers?"),
                    SubRipWriter.Entry(start: 2, end: 2.099, text: "Too quick to hear."),
                    SubRipWriter.Entry(start: 3, end: 3.1, text: "Just in time."),
                    SubRipWriter.Entry(start: 4, end: 4.3, text: "Oh!"),
                ]).utf8
            )
        )
        #expect(document.cues.map(\.text) == ["Just in time.", "Oh!"])
        #expect(document.warnings.summary == "2 shorter than 100 ms")

        // The real ones: a 2 ms "Any answers?" and a 10 ms exchange are timing mistakes; the
        // films' short exclamations stay.
        let robinson = try SubtitleParser.parse(fileAt: SharedData.film("The_Jackie_Robinson_Story_1950.en.srt"))
        #expect(robinson.cues.allSatisfy { $0.duration >= 0.0995 })
        #expect(robinson.warnings.summary.contains("1 shorter than 100 ms"))
        let mclintock = try SubtitleParser.parse(fileAt: SharedData.film("McLintock_1963.en.srt"))
        #expect(mclintock.cues.contains { $0.text == "Oh!" && $0.duration < 0.35 })

        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let path = try library.writeSubtitles("films/Quick.srt", [(1, 1.001, "Any answers?"), (3, 4, "Plenty of answers.")])
            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.cueWarnings == [IndexIssue(path: path, reason: "1 cue left out (1 shorter than 100 ms)")])
            #expect(try await library.database.search("answers").map(\.text) == ["Plenty of answers."])
        }
    }

    /// One cue of `bytes` bytes of words on a single line.
    private func hostile(start: Double, end: Double, bytes: Int) -> SubRipWriter.Entry {
        SubRipWriter.Entry(start: start, end: end, text: String(repeating: "flood ", count: bytes / 6))
    }
}
