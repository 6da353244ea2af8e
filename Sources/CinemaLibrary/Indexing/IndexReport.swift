/// A file and what happened to it, for a person to read.
public struct IndexIssue: Sendable, Equatable, Codable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// What an index run did. Per-file problems are collected here, never thrown: one bad file
/// must not stop the rest of the library from being indexed.
public struct IndexReport: Sendable, Codable {
    public var added: [String] = []
    public var updated: [String] = []
    public var removed: [String] = []
    public var unchanged = 0
    /// Cues written by this run, and how many of them are spoken lines.
    public var cuesWritten = 0
    public var spokenCuesWritten = 0
    /// Films and entries not indexed for a reason that is not an error: a video without
    /// subtitles, a named pipe, socket or device (never opened), a folder named like a film, a
    /// link to a folder or file indexed already.
    public var skipped: [IndexIssue] = []
    /// Files and folders that could not be read, links that lead nowhere.
    public var failed: [IndexIssue] = []
    /// Films indexed with some cues left out (broken timing, empty cues, too short or too long
    /// to be speech), one line per file.
    public var cueWarnings: [IndexIssue] = []
    /// The cues this run left out, by reason, over every file it read.
    public var cuesLeftOut = SubtitleWarnings()
    /// Subtitle files with no video of the same name, ignored outside `--subtitles-only`.
    public var unpairedSubtitles = 0
    public var seconds: Double = 0

    public init() {}

    public var hasFailures: Bool { !failed.isEmpty }
}

/// Progress of an index run, reported after each file.
public struct IndexProgress: Sendable {
    public var completed: Int
    public var total: Int
    /// The file just finished.
    public var path: String
    public var outcome: Outcome

    public enum Outcome: String, Sendable {
        case added, updated, unchanged, skipped, failed
    }
}
