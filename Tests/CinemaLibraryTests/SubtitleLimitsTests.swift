import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

/// The limits of `SubtitleLimits` against the real corpus, in the index report, and in a
/// library indexed before they existed.
@Suite("Subtitle limits")
struct SubtitleLimitsTests {
    @Test("No real cue is too long, and only two of the 60 films' cues (2 ms and 10 ms, mistimed) are too short")
    func realCorpusFits() throws {
        var films = SubtitleWarnings()
        var longestSpoken = 0
        var shortestSpoken = Double.infinity
        for film in SharedData.files(in: SharedData.films) where film.hasSuffix(".srt") {
            let document = try SubtitleParser.parse(fileAt: film)
            films += document.warnings
            for cue in document.spokenCues {
                longestSpoken = max(longestSpoken, cue.text.unicodeScalars.count)
                shortestSpoken = min(shortestSpoken, cue.duration)
            }
        }
        #expect(films.tooLong == 0)
        #expect(films.tooShort == 2)
        #expect(longestSpoken * 3 < SubtitleLimits.maximumCueCharacters)
        #expect(shortestSpoken > 0.13)

        var fixtures = SubtitleWarnings()
        for file in SharedData.files(in: SharedData.fixtures) where !file.hasSuffix(".md") {
            if let document = try? SubtitleParser.parse(fileAt: file) { fixtures += document.warnings }
        }
        #expect(fixtures.tooLong == 0)
    }

    @Test("The report counts the cues left out by reason, for people and in JSON")
    func reportCounts() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles(
                "films/Mixed.srt",
                [(1, 1.001, "Blink."), (2, 3, String(repeating: "word ", count: 300)), (4, 5, "A line."), (6, 6, "Zero.")]
            )
            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.cuesLeftOut.tooShort == 1)
            #expect(report.cuesLeftOut.tooLong == 1)
            #expect(report.cuesLeftOut.zeroLength == 1)
            #expect(report.cuesLeftOut.summary == "1 zero-length, 1 shorter than 100 ms, 1 longer than 1000 characters")
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
            let counts = try #require(json?["cuesLeftOut"] as? [String: Int])
            #expect(counts["tooShort"] == 1 && counts["tooLong"] == 1 && counts["zeroLength"] == 1)
        }
    }
}
