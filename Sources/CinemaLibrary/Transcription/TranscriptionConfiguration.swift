public import Configuration

/// How a film's soundtrack is sent to be heard and how the words become cues. Read from the
/// `transcription.*` keys (`CINEMA_TRANSCRIPTION_PIECE_SECONDS`, …).
public struct TranscriptionConfiguration: Sendable, Equatable {
    /// Seconds of soundtrack sent at once. Five minutes is 9.6 MB of WAV, far under the model
    /// service's 64 MiB upload limit, long enough for its voice filter to find the speech, and
    /// what an interrupted run loses at most.
    public var pieceSeconds: Double = 300
    /// How far before or after `pieceSeconds` a piece may end: it ends at the quietest moment
    /// in that span, so that no word is cut in two.
    public var cutLeeway: Double = 15
    /// A pause this long between two words starts a new cue, as a new subtitle would.
    public var cuePause: Double = 0.7
    /// The longest cue, in seconds and in characters: about what a subtitle holds on screen.
    public var maximumCueSeconds: Double = 7
    public var maximumCueCharacters: Int = 80

    public init() {}
}

extension TranscriptionConfiguration {
    public init(reader: ConfigReader) {
        let defaults = TranscriptionConfiguration()
        // Below 20 s a piece is all edges; above 20 min its WAV nears the upload limit.
        pieceSeconds = min(max(20, reader.double(forKey: "transcription.pieceSeconds", default: defaults.pieceSeconds)), 1200)
        cutLeeway = min(max(0, reader.double(forKey: "transcription.cutLeeway", default: defaults.cutLeeway)), pieceSeconds / 2)
        cuePause = max(0.1, reader.double(forKey: "transcription.cuePause", default: defaults.cuePause))
        maximumCueSeconds = max(1, reader.double(forKey: "transcription.maximumCueSeconds", default: defaults.maximumCueSeconds))
        maximumCueCharacters = max(10, reader.int(forKey: "transcription.maximumCueCharacters", default: defaults.maximumCueCharacters))
    }
}
