import CinemaCore
import CinemaTestSupport
import Testing

@testable import CinemaLibrary

@Suite("WebVTT and ASS")
struct WebVTTAndASSParsingTests {
    @Test("WebVTT: hours may be omitted; tags, classes and entities are handled")
    func webVTTTags() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__webvtt__with_tags.vtt"))
        #expect(document.format == .webVTT)
        #expect(
            document.cues.map(\.text) == [
                "This is the first subtitle.", "This is the second subtitle.", "This is the third subtitle.", "This is the <fourth> &subtitle.",
            ]
        )
        #expect(document.cues.map(\.start) == [0, 2.345, 4, 6])
    }

    @Test("WebVTT: NOTE blocks are skipped; identifiers are not text")
    func webVTTComments() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__webvtt__typical_with_comments.vtt"))
        #expect(document.cues.map(\.text) == ["This is the first subtitle.", "This is the second subtitle."])
    }

    @Test("WebVTT: voice spans name the speaker; settings after the end time are ignored")
    func webVTTVoices() throws {
        let text = """
            WEBVTT - with settings

            STYLE
            ::cue { color: yellow }

            intro
            00:00:09.000 --> 00:00:11.000 align:start position:10%
            <v Roger Bingham>We are in New York City</v>
            """
        let document = try SubtitleParser.parse(Array(text.utf8), format: .webVTT)
        #expect(document.cues.map(\.text) == ["We are in New York City"])
        #expect(document.cues.first?.end == 11)
    }

    @Test("WebVTT: bad timestamps are counted, good cues kept")
    func webVTTBadTimestamps() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__webvtt__typical_with_bad_timestamps.vtt"))
        #expect(document.cues.count == 3)
        #expect(document.warnings.unparseableTimestamps == 3)
    }

    @Test("ASS: Dialogue fields follow the Format line; commas in text; \\N and override tags")
    func assTypical() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__ssa__typical.ass"))
        #expect(document.format == .ass)
        #expect(
            document.cues.map(\.text) == [
                "This is the first subtitle.", "This is the second subtitle with a newline and another.", "This is the third subtitle, with a comma.",
            ]
        )
        #expect(document.cues.map(\.start) == [0, 2.34, 4.56])
        #expect(document.cues.map(\.end) == [1.23, 3.45, 8.9])
        // The Name field ("Olly") marks a speaker.
        #expect(document.cues.allSatisfy { $0.speakerTurns == 1 })
    }

    @Test("ASS in UTF-16 reads like its UTF-8 twin")
    func assUTF16() throws {
        let reference = try SubtitleParser.parse(fileAt: SharedData.fixture("androidx-media__ssa__typical.ass"))
        for name in ["androidx-media__ssa__typical_utf16le.ass", "androidx-media__ssa__typical_utf16be.ass"] {
            #expect(try SubtitleParser.parse(fileAt: SharedData.fixture(name)).cues == reference.cues, "\(name)")
        }
    }

    @Test("ASS: a different field order, and the last field keeps its commas")
    func assDifferentFormat() throws {
        let document = try SubtitleParser.parse(fileAt: SharedData.fixture("mantas-done-subtitles__ass_different_format.ass"))
        #expect(document.cues.map(\.text) == ["Senator, we're making our final approach into Coruscant.", "Very good, Lieutenant."])
        #expect(document.cues.map(\.start) == [137.4, 3740.5])
    }

    @Test("ASS: vector drawings are not text, comments are not cues")
    func assDrawings() throws {
        let text = """
            [Script Info]
            ScriptType: v4.00+

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            Comment: 0,0:00:00.00,0:00:01.00,Default,,0,0,0,,Not shown
            Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}Hello, world.
            Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\\an5\\p1}m 0 0 b 33 -3 48 -7
            """
        let document = try SubtitleParser.parse(Array(text.utf8), format: .ass)
        #expect(document.cues.map(\.text) == ["Hello, world."])
        #expect(document.warnings.emptyCues == 1)
        let libass = try SubtitleParser.parse(fileAt: SharedData.fixture("libass-tests__crash__aegisub-format-tests.ass"))
        #expect(!libass.cues.contains { $0.text.contains(" b 33 -3 ") })
    }

    @Test("A file whose extension lies is read by its content")
    func sniffing() throws {
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi.\n"
        #expect(try SubtitleParser.parse(Array(vtt.utf8), format: .subRip).format == .webVTT)
        let ass = "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi.\n"
        #expect(try SubtitleParser.parse(Array(ass.utf8), format: .subRip).cues.map(\.text) == ["Hi."])
    }
}
