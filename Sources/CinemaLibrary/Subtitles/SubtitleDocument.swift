public import CinemaCore

/// The subtitle formats the library reads.
public enum SubtitleFormat: String, Sendable, CaseIterable {
    case subRip = "srt"
    case webVTT = "vtt"
    case ass = "ass"

    /// The format a file name promises (`.ssa` is read as ASS, its successor).
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "srt": self = .subRip
        case "vtt": self = .webVTT
        case "ass", "ssa": self = .ass
        default: return nil
        }
    }

    /// What the text itself looks like, for files whose extension lies or is missing.
    static func sniff(_ text: Substring) -> SubtitleFormat? {
        let head = text.prefix(2048)
        if head.hasPrefix("WEBVTT") { return .webVTT }
        if head.contains("[Script Info]") || head.contains("[Events]") || head.contains("Dialogue:") { return .ass }
        if head.contains("-->") { return .subRip }
        return nil
    }
}

/// A parsed subtitle file: its cues in order of start time, and what had to be skipped.
public struct SubtitleDocument: Sendable {
    public var format: SubtitleFormat
    public var encoding: SubtitleTextDecoder.Encoding
    public var cues: [Cue]
    public var warnings: SubtitleWarnings

    /// Cues a visitor could be answered with.
    public var spokenCues: [Cue] { cues.filter { $0.kind == .speech } }
}

/// Cues that could not be used, counted by reason. Skipping is never an error on its own:
/// real subtitle files are full of these.
public struct SubtitleWarnings: Sendable, Equatable, Codable {
    /// A timing line (`-->`) whose timestamps could not be read.
    public var unparseableTimestamps = 0
    /// Start equals end.
    public var zeroLength = 0
    /// End before start.
    public var negativeDuration = 0
    /// Shorter than `SubtitleLimits.minimumCueMilliseconds`: too short to say anything in.
    public var tooShort = 0
    /// A timing with no text under it, or only tags.
    public var emptyCues = 0
    /// More text than `SubtitleLimits.maximumCueCharacters`: not a line anyone speaks.
    public var tooLong = 0

    public init() {}

    public var skippedCues: Int { unparseableTimestamps + zeroLength + negativeDuration + tooShort + emptyCues + tooLong }

    /// Adds another file's counts, for a run's totals.
    public static func += (total: inout SubtitleWarnings, other: SubtitleWarnings) {
        total.unparseableTimestamps += other.unparseableTimestamps
        total.zeroLength += other.zeroLength
        total.negativeDuration += other.negativeDuration
        total.tooShort += other.tooShort
        total.emptyCues += other.emptyCues
        total.tooLong += other.tooLong
    }

    /// `"2 zero-length, 1 unparseable timestamp"`; empty when nothing was skipped.
    public var summary: String {
        [
            (unparseableTimestamps, "unparseable timestamp", "unparseable timestamps"),
            (zeroLength, "zero-length", "zero-length"),
            (negativeDuration, "negative duration", "negative durations"),
            (tooShort, "shorter than \(SubtitleLimits.minimumCueMilliseconds) ms", "shorter than \(SubtitleLimits.minimumCueMilliseconds) ms"),
            (emptyCues, "empty", "empty"),
            (
                tooLong, "longer than \(SubtitleLimits.maximumCueCharacters) characters",
                "longer than \(SubtitleLimits.maximumCueCharacters) characters"
            ),
        ]
        .filter { $0.0 > 0 }
        .map { "\($0.0) \($0.0 == 1 ? $0.1 : $0.2)" }
        .joined(separator: ", ")
    }
}
