/// A playable span of a film: one spoken cue, padded so that no word is cut.
///
/// The clip's `id` is the id of its cue in the library, so it stays stable for as long as the
/// film's subtitles do not change.
public struct Clip: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var filmID: Int64
    public var filmTitle: String
    /// The film's video; `nil` for a film indexed from subtitles only.
    public var videoPath: String?
    /// The span to play, padded and clamped to the film.
    public var start: Double
    public var end: Double
    /// The cue's own timing, before padding.
    public var cueStart: Double
    public var cueEnd: Double
    public var text: String
    /// Search relevance (higher is better); `nil` when the clip was not found by a search.
    public var score: Double?
    /// The line was heard in the film's soundtrack by a speech model, not read from subtitles:
    /// its words may be misheard, which is worth showing wherever a person reads it.
    public var transcribed: Bool

    public init(
        id: Int64,
        filmID: Int64,
        filmTitle: String,
        videoPath: String?,
        start: Double,
        end: Double,
        cueStart: Double,
        cueEnd: Double,
        text: String,
        score: Double? = nil,
        transcribed: Bool = false
    ) {
        self.id = id
        self.filmID = filmID
        self.filmTitle = filmTitle
        self.videoPath = videoPath
        self.start = start
        self.end = end
        self.cueStart = cueStart
        self.cueEnd = cueEnd
        self.text = text
        self.score = score
        self.transcribed = transcribed
    }

    public var duration: Double { end - start }

    enum CodingKeys: String, CodingKey {
        case id
        case filmID = "film_id"
        case filmTitle = "film_title"
        case videoPath = "path"
        case start, end
        case cueStart = "cue_start"
        case cueEnd = "cue_end"
        case text, score, transcribed
    }

    /// Clips written before the mark existed (event logs, other tools' JSON) read as subtitled.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int64.self, forKey: .id)
        filmID = try container.decode(Int64.self, forKey: .filmID)
        filmTitle = try container.decode(String.self, forKey: .filmTitle)
        videoPath = try container.decodeIfPresent(String.self, forKey: .videoPath)
        start = try container.decode(Double.self, forKey: .start)
        end = try container.decode(Double.self, forKey: .end)
        cueStart = try container.decode(Double.self, forKey: .cueStart)
        cueEnd = try container.decode(Double.self, forKey: .cueEnd)
        text = try container.decode(String.self, forKey: .text)
        score = try container.decodeIfPresent(Double.self, forKey: .score)
        transcribed = try container.decodeIfPresent(Bool.self, forKey: .transcribed) ?? false
    }
}
