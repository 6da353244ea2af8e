/// How much a subtitle file and one cue may hold before they are not subtitles any more.
///
/// A hostile or broken file must not become a clip: a 20 MB one-line cue would be sent to the TV
/// as one message and returned by every search that matches it, and a 1 ms cue is a line nobody
/// can hear. The bounds sit far from every real cue. Across the 60 films in `../shared/data`
/// (72,003 spoken cues) the longest spoken cue is 160 characters (p99.9 107, p99.99 138); across
/// the 393 fixture files of other parsers' tests, 337 (a long-line test of libass). The films'
/// shortest spoken cues last 160 ms and 200 ms, "Oh!" 280 to 330 ms; below them are only two
/// mistimed cues, "Any answers?" in 2 ms and a whole exchange in 10 ms.
enum SubtitleLimits {
    /// The largest subtitle file read: 16 MiB. The largest film's here is 172 KiB, the largest
    /// fixture 608 KiB; fansubbed ASS files full of typesetting reach a few MiB.
    static let maximumFileBytes = 16 << 20

    /// The most a cue may hold, text and annotations together, in Unicode code points (what
    /// SQLite's `length()` counts, so that the migration that clears older libraries agrees).
    /// Six times the films' longest cue, three times the fixtures', more than a screen can show.
    static let maximumCueCharacters = 1_000

    /// The shortest cue kept, in milliseconds: too short to hear a word in, and it keeps every
    /// line of the 60 films but the two mistimed ones (the fixture of "Three Guys Named Mike",
    /// whose timing is broken throughout, loses 15 cues of 10 to 85 ms). Subtitle times are whole milliseconds, so durations are compared rounded to them.
    static let minimumCueMilliseconds = 100

    /// The most raw text (markup included) a cue may have before it is cleaned at all. Cleaning
    /// takes time and copies in proportion to the text (9 s for a 15 MiB line in a debug
    /// build), and only markup makes raw text longer than clean text: no real cue has 63 KiB of
    /// it. The largest raw cue here is a 29 KB vector drawing from libass's crash tests.
    static let maximumCueBytes = 64 << 10

    static func isTooShort(start: Double, end: Double) -> Bool {
        Int(((end - start) * 1000).rounded()) < minimumCueMilliseconds
    }

    /// Whether the cleaned text and annotations hold more than `maximumCueCharacters`. Counting
    /// code points is linear, so it happens only when there are more bytes than the limit.
    static func isTooLong(text: String, annotations: [String]) -> Bool {
        let bytes = text.utf8.count + annotations.reduce(max(0, annotations.count - 1)) { $0 + $1.utf8.count }
        guard bytes > maximumCueCharacters else { return false }
        let characters = text.unicodeScalars.count + annotations.reduce(max(0, annotations.count - 1)) { $0 + $1.unicodeScalars.count }
        return characters > maximumCueCharacters
    }
}
