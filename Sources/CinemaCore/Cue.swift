/// What a cue carries. Only `speech` is ever searched or played as an answer.
public enum CueKind: String, Codable, Sendable, CaseIterable {
    /// Spoken dialogue.
    case speech
    /// Sung lines (`♪ … ♪`): they rarely answer anyone.
    case lyrics
    /// Only hearing-impaired annotations such as `[MUSIC]` or `(DOOR SLAMS)`, no words.
    case annotation
    /// Subtitle credits and adverts ("Subtitles by …", "www.…").
    case credit
}

/// One timed subtitle cue of a film, cleaned for search and display.
public struct Cue: Codable, Sendable, Hashable {
    /// Position in the film's cue list, in order of start time.
    public var ordinal: Int
    /// Seconds from the start of the film.
    public var start: Double
    public var end: Double
    /// The spoken words with tags and annotations removed; speaker turns on separate lines.
    public var text: String
    public var kind: CueKind
    /// Annotations found in the cue (`MUSIC`, `DOOR SLAMS`), kept apart from the words.
    public var annotations: [String]
    /// Number of speakers marked in the cue (dash lines or labels); 0 when unmarked.
    public var speakerTurns: Int

    public init(
        ordinal: Int,
        start: Double,
        end: Double,
        text: String,
        kind: CueKind,
        annotations: [String] = [],
        speakerTurns: Int = 0
    ) {
        self.ordinal = ordinal
        self.start = start
        self.end = end
        self.text = text
        self.kind = kind
        self.annotations = annotations
        self.speakerTurns = speakerTurns
    }

    public var duration: Double { end - start }
}
