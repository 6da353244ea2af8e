import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

@Suite("Subtitle text decoding")
struct SubtitleTextDecoderTests {
    @Test("UTF-16 and UTF-32 files with a BOM read the same as their UTF-8 twin")
    func unicodeEncodingsAgree() throws {
        let reference = try SubtitleParser.parse(fileAt: SharedData.fixture("pysrt__bom-utf-8.srt"))
        for (name, encoding) in [
            ("pysrt__bom-utf-16-le.srt", SubtitleTextDecoder.Encoding.utf16LittleEndian),
            ("pysrt__bom-utf-16-be.srt", .utf16BigEndian),
            ("pysrt__bom-utf-32-le.srt", .utf32LittleEndian),
        ] {
            let document = try SubtitleParser.parse(fileAt: SharedData.fixture(name))
            #expect(document.encoding == encoding, "\(name)")
            #expect(document.cues == reference.cues, "\(name)")
        }
        #expect(reference.encoding == .utf8WithBOM)
        #expect(reference.cues.count == 7)
    }

    @Test("Windows-1252 bytes that are not UTF-8 decode to the same text as the UTF-8 version")
    func windows1252Fallback() throws {
        let utf8 = try SubtitleParser.parse(fileAt: SharedData.fixture("pysrt__utf-8.srt"))
        let cp1252 = try SubtitleParser.parse(fileAt: SharedData.fixture("pysrt__windows-1252.srt"))
        #expect(utf8.encoding == .utf8)
        #expect(cp1252.encoding == .windows1252)
        #expect(cp1252.cues.count == 1332)
        #expect(cp1252.cues == utf8.cues)
        // French accents survive the fallback.
        #expect(cp1252.cues.contains { $0.text.contains("é") })
    }

    @Test("cp1252's typographic characters map to their Unicode letters")
    func windows1252Punctuation() {
        let bytes: [UInt8] = [0x93, 0x48, 0x69, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35, 0x85, 0x20, 0xE9]
        #expect(SubtitleTextDecoder.decode(bytes).text == "\u{201C}Hi\u{201D} \u{2013} \u{20AC}5\u{2026} é")
    }

    @Test("UTF-16 without a byte-order mark is recognised by its zero bytes")
    func bomlessUTF16() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nHello there, friend.\n"
        let littleEndian = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let bigEndian = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(SubtitleTextDecoder.decode(littleEndian).text == text)
        #expect(SubtitleTextDecoder.decode(bigEndian).text == text)
        #expect(SubtitleTextDecoder.decode(bigEndian).encoding == .utf16BigEndian)
    }
}
