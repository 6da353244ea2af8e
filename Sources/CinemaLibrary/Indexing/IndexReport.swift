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
    /// Films whose dialogue this run heard in their soundtrack, to the end.
    public var transcribed: [String] = []
    /// Films in the library with no subtitles whose soundtrack is not (wholly) heard yet, and
    /// why: no transcription service, the service failed, or the run was stopped.
    public var withoutDialogue: [IndexIssue] = []
    /// What hearing soundtracks took, when there were films without subtitles.
    public var transcription: TranscriptionSummary?
    /// Embedding the spoken lines after indexing, when asked for.
    public var embedding: EmbeddingReport?
    /// How far apart the films' keyframes are, and what `--prepare-seeks` made of it.
    public var seeks: SeekReport?
    /// The run was stopped (Ctrl-C) before the end; everything it finished is kept.
    public var interrupted = false
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

/// Hearing the soundtracks of films without subtitles, in one index run.
public struct TranscriptionSummary: Sendable, Codable, Equatable {
    /// Where the service is, and the model it runs (`nil` when it did not answer).
    public var service: String?
    public var model: String?
    /// Why no film was heard: no service was given, or it did not answer.
    public var unavailable: String?
    /// Seconds of film heard by this run, and the seconds it took.
    public var filmSeconds: Double = 0
    public var seconds: Double = 0

    public init(service: String?, model: String? = nil, unavailable: String? = nil) {
        self.service = service
        self.model = model
        self.unavailable = unavailable
    }
}

/// Progress of hearing soundtracks, reported as each piece is done.
public struct TranscriptionProgress: Sendable {
    /// The film being heard: its title and file, and its place among the films of this run.
    public var title: String
    public var path: String
    public var film: Int
    public var films: Int
    /// Seconds of film heard, over every film of the run, including what earlier runs did.
    public var heard: Double
    /// Seconds of film to hear in all.
    public var total: Double
    /// Seconds of film this run heard, and the seconds it has taken.
    public var heardThisRun: Double
    public var elapsed: Double

    /// Seconds of film heard per second: how fast it goes.
    public var speed: Double? {
        heardThisRun > 0 && elapsed > 0 ? heardThisRun / elapsed : nil
    }

    /// Seconds until every film is heard, at the speed so far.
    public var remaining: Double? {
        speed.map { max(0, total - heard) / $0 }
    }
}
