import CinemaCore
import CinemaTestSupport
import Testing

@testable import CinemaLibrary

@Suite("SubRip")
struct SubRipParsingTests {
    private func parse(_ text: String) throws -> SubtitleDocument {
        try SubtitleParser.parse(Array(text.utf8), format: .subRip)
    }

    @Test("A typical file: timing, multi-line text, hours")
    func typical() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__typical.srt"))
        #expect(document.format == .subRip)
        #expect(
            document.cues.map(\.text) == [
                "This is the first subtitle.", "This is the second subtitle. Second subtitle with second line.", "This is the third subtitle.",
            ]
        )
        #expect(document.cues.map(\.start) == [0, 2.345, 7204.567])
        #expect(document.cues.map(\.end) == [1.234, 3.456, 7208.901])
        #expect(document.warnings.skippedCues == 0)
    }

    @Test("Missing index numbers, extra blank lines and a missing final newline are all fine")
    func looseStructure() throws {
        for name in ["typical_missing_sequence", "typical_extra_blank_line", "typical_unexpected_end", "typical_with_byte_order_mark"] {
            let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__\(name).srt"))
            #expect(document.cues.first?.text == "This is the first subtitle.", "\(name)")
        }
        let missing = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__typical_missing_sequence.srt"))
        #expect(missing.cues.count == 3)
        #expect(missing.cues[1].text == "This is the second subtitle. Second subtitle with second line.")
    }

    @Test("Broken and negative timestamps are skipped and counted, never fatal")
    func brokenTimestamps() throws {
        let missing = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__typical_missing_timecode.srt"))
        #expect(missing.cues.map(\.text) == ["This is the first subtitle.", "This is the third subtitle."])
        #expect(missing.warnings.unparseableTimestamps == 2)

        let negative = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__typical_negative_timestamps.srt"))
        #expect(negative.cues.map(\.text) == ["This is the third subtitle."])
        #expect(negative.warnings.unparseableTimestamps == 2)
    }

    @Test("Cues run together without blank lines or index numbers")
    func missingBlankLines() throws {
        let document = try parse(
            """
            1
            00:00:01,000 --> 00:00:02,000
            First.
            2
            00:00:03,000 --> 00:00:04,000
            Second.
            00:00:05,000 --> 00:00:06,000
            Third, with no index.
            """
        )
        #expect(document.cues.map(\.text) == ["First.", "Second.", "Third, with no index."])
    }

    @Test("CRLF, lone CR and mixed line ends, and a full stop before the milliseconds")
    func lineEndsAndSeparators() throws {
        let crlf = "1\r\n00:00:01.500 --> 00:00:02.750\r\nHello.\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nAgain.\r\n"
        let cr = crlf.replacingOccurrences(of: "\r\n", with: "\r")
        let mixed = "1\r\n00:00:01.500 --> 00:00:02.750\nHello.\r\n\n2\r00:00:03,000 --> 00:00:04,000\nAgain.\n"
        for text in [crlf, cr, mixed] {
            let document = try parse(text)
            #expect(document.cues.map(\.text) == ["Hello.", "Again."])
            #expect(document.cues.first?.start == 1.5)
            #expect(document.cues.first?.end == 2.75)
        }
    }

    @Test("Markup is stripped: HTML tags, font colours, ASS override blocks")
    func markup() throws {
        let document = try parse(
            """
            1
            00:00:01,000 --> 00:00:02,000
            <i>Where</i> <b>are</b> <font color="#ffff00">you</font> going?

            2
            00:00:03,000 --> 00:00:04,000
            {\\an8}To the <u>station</u>.

            3
            00:00:05,000 --> 00:00:06,000
            I <3 trains & a < b
            """
        )
        #expect(document.cues.map(\.text) == ["Where are you going?", "To the station.", "I <3 trains & a < b"])
    }

    @Test("Hearing-impaired annotations are kept apart from the words")
    func annotations() throws {
        let document = try parse(
            """
            1
            00:00:01,000 --> 00:00:02,000
            [MUSIC PLAYING]

            2
            00:00:03,000 --> 00:00:04,000
            (DOOR SLAMS) Who's there?

            3
            00:00:05,000 --> 00:00:06,000
            ♪ Happy birthday to you ♪

            4
            00:00:07,000 --> 00:00:08,000
            ♪
            """
        )
        #expect(document.cues.map(\.kind) == [.annotation, .speech, .lyrics, .annotation])
        #expect(document.cues[0].text == "")
        #expect(document.cues[0].annotations == ["MUSIC PLAYING"])
        #expect(document.cues[1].text == "Who's there?")
        #expect(document.cues[1].annotations == ["DOOR SLAMS"])
        #expect(document.cues[2].text == "Happy birthday to you")
        #expect(document.cues[3].annotations == ["music"])
        #expect(document.spokenCues.count == 1)
    }

    @Test("Speaker dashes and labels become one line per speaker")
    func speakers() throws {
        let document = try parse(
            """
            1
            00:00:01,000 --> 00:00:03,000
            - Who are you?
            - Nobody.

            2
            00:00:04,000 --> 00:00:05,000
            JOHN: I know you.

            3
            00:00:06,000 --> 00:00:07,000
            I was thinking
            that we should go.
            """
        )
        #expect(document.cues[0].text == "Who are you?\nNobody.")
        #expect(document.cues[0].speakerTurns == 2)
        #expect(document.cues[1].text == "I know you.")
        #expect(document.cues[1].speakerTurns == 1)
        #expect(document.cues[2].text == "I was thinking that we should go.")
        #expect(document.cues[2].speakerTurns == 0)
    }

    @Test("Overlapping cues are kept; out-of-order cues are sorted; zero-length and negative ones are counted")
    func timingQuirks() throws {
        let document = try parse(
            """
            1
            00:00:05,000 --> 00:00:07,000
            Later line.

            2
            00:00:01,000 --> 00:00:04,000
            Early line.

            3
            00:00:03,000 --> 00:00:06,000
            Overlapping line.

            4
            00:00:08,000 --> 00:00:08,000
            Zero length.

            5
            00:00:10,000 --> 00:00:09,000
            Backwards.
            """
        )
        #expect(document.cues.map(\.text) == ["Early line.", "Overlapping line.", "Later line."])
        #expect(document.cues.map(\.ordinal) == [0, 1, 2])
        #expect(document.warnings.zeroLength == 1)
        #expect(document.warnings.negativeDuration == 1)
        #expect(document.warnings.summary == "1 zero-length, 1 negative duration")
    }

    @Test("Subtitle credits are recognised so they are never played as answers")
    func credits() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("pd-film-quote-search__gulliver's-travels-1939-en.srt"))
        let last = try #require(document.cues.last)
        #expect(last.kind == .credit)
        #expect(last.text == "Subtitles By: MightyMike77020")
        #expect(!document.cues.contains { $0.text.contains("<font") || $0.text.contains("{\\") })
    }

    @Test("Real films with broken files: zero-length floods, mangled timestamps, cp1252")
    func realWorldFiles() throws {
        let mike = try SubtitleParser.parse(fileAt: SharedData.fixture("pd-film-quote-search__three-guys-named-mike-1951-en.srt"))
        #expect(mike.warnings.zeroLength == 2387)
        // Its broken timing leaves 15 more shorter than anyone can speak ("Goodbye." in 50 ms).
        #expect(mike.warnings.tooShort == 15)
        #expect(mike.cues.count == 2546 - 2387 - 15)

        // From cue 103 on, every timing line reads like "00: 07: 44.240 -> 00: 07: 46,400".
        let salt = try SubtitleParser.parse(fileAt: SharedData.fixture("pd-film-quote-search__salt-of-the-earth-1954-en.srt"))
        #expect(salt.encoding == .windows1252)
        #expect(salt.cues.count > 1100)
        #expect(salt.cues.contains { $0.text == "Do you think I like live like this?" })
        #expect(salt.cues.last!.start > 5000)

        let blood = try SubtitleParser.parse(fileAt: SharedData.fixture("pd-film-quote-search__blood-on-the-sun-1945-en.srt"))
        #expect(blood.cues.first?.text == "But gentlemen...I know nothing about this article being printed...")
        #expect(blood.warnings.zeroLength == 2)
    }

    @Test("Binary junk is refused with a clear error; an empty file has no cues")
    func junk() throws {
        var generator = SystemRandomNumberGenerator()
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        #expect(throws: SubtitleError.self) { try SubtitleParser.parse(junk, source: "junk.srt") }
        do {
            _ = try SubtitleParser.parse(junk, source: "junk.srt")
        } catch {
            #expect(error.description.contains("junk.srt is not a subtitle file"))
        }
        #expect(try SubtitleParser.parse([]).cues.isEmpty)
        #expect(try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__subrip__empty.srt")).cues.isEmpty)
    }

    @Test("A missing file names the path")
    func missingFile() {
        #expect(throws: SubtitleError.unreadable(path: "/nonexistent/film.srt", reason: "the file does not exist")) {
            try SubtitleParser.parse(fileAt: "/nonexistent/film.srt")
        }
    }
}

extension String {
    // Foundation-free, so the tests read the same on every platform.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
