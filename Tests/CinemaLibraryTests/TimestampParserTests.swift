import CinemaCore
import Testing

@testable import CinemaLibrary

@Suite("Timestamps")
struct TimestampParserTests {
    @Test(
        "Timestamps as real files write them",
        arguments: [
            ("00:00:01,000", 1.0),
            ("01:02:03,456", 3723.456),
            ("01:02:03.456", 3723.456),
            ("02:03.456", 123.456),
            ("0:00:04.56", 4.56),
            ("0:00:04:56", 4.56),
            ("00: 07: 44.240", 464.24),
            ("  00:00:02,5 ", 2.5),
            ("100:00:00,000", 360_000),
        ]
    )
    func parses(text: String, seconds: Double) throws {
        let parsed = try #require(TimestampParser.seconds(text))
        #expect(abs(parsed - seconds) < 0.000_5)
    }

    @Test(
        "Text that is not a timestamp is refused",
        arguments: ["", "abc", "00:61:00,000", "00:00:60,000", "-00:00:01,000", "1", "00:00:01,", ":00:01", "12:34:56:78:90"]
    )
    func refuses(text: String) {
        #expect(TimestampParser.seconds(text) == nil)
    }
}
