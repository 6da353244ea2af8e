/// A turn's decision as the API returns it and the event log keeps it (snake_case, like the
/// rest of the wire): the clip, why, what else was weighed, and how long it took.
public struct DecisionPayload: Codable, Sendable, Equatable {
    public struct ClipPayload: Codable, Sendable, Equatable {
        public var id: Int64
        public var filmID: Int64
        public var filmTitle: String
        public var path: String?
        public var mediaURL: String?
        public var start: Double
        public var end: Double
        public var cueStart: Double
        public var cueEnd: Double
        public var text: String
        /// Present (true) for a line heard in the soundtrack rather than read from subtitles;
        /// absent from events logged before the mark existed.
        public var transcribed: Bool?

        public init(_ clip: Clip, mediaURL: String?) {
            id = clip.id
            filmID = clip.filmID
            filmTitle = clip.filmTitle
            path = clip.videoPath
            self.mediaURL = mediaURL
            start = clip.start
            end = clip.end
            cueStart = clip.cueStart
            cueEnd = clip.cueEnd
            text = clip.text
            transcribed = clip.transcribed ? true : nil
        }

        public var clip: Clip {
            Clip(
                id: id,
                filmID: filmID,
                filmTitle: filmTitle,
                videoPath: path,
                start: start,
                end: end,
                cueStart: cueStart,
                cueEnd: cueEnd,
                text: text,
                transcribed: transcribed ?? false
            )
        }

        enum CodingKeys: String, CodingKey {
            case id
            case filmID = "film_id"
            case filmTitle = "film_title"
            case path
            case mediaURL = "media_url"
            case start, end
            case cueStart = "cue_start"
            case cueEnd = "cue_end"
            case text, transcribed
        }
    }

    public struct CandidatePayload: Codable, Sendable, Equatable {
        public var clipID: Int64
        public var filmTitle: String
        public var text: String
        public var score: Double
        public var kind: CandidateKind
        /// The library line like the visitor's whose reply this is.
        public var matched: String?
        /// What found that line: `words`, `meaning` or `words and meaning`, and how closely.
        public var foundBy: String?
        public var lexical: Double?
        public var semantic: Double?
        public var notes: [String]

        public init(
            clipID: Int64,
            filmTitle: String,
            text: String,
            score: Double,
            kind: CandidateKind,
            matched: String? = nil,
            foundBy: String? = nil,
            lexical: Double? = nil,
            semantic: Double? = nil,
            notes: [String] = []
        ) {
            self.clipID = clipID
            self.filmTitle = filmTitle
            self.text = text
            self.score = score
            self.kind = kind
            self.matched = matched
            self.foundBy = foundBy
            self.lexical = lexical
            self.semantic = semantic
            self.notes = notes
        }

        enum CodingKeys: String, CodingKey {
            case clipID = "clip_id"
            case filmTitle = "film_title"
            case foundBy = "found_by"
            case text, score, kind, matched, lexical, semantic, notes
        }
    }

    public struct TimingsPayload: Codable, Sendable, Equatable {
        public var searchMilliseconds: Double
        public var modelMilliseconds: Double
        /// The director's whole decision.
        public var directorMilliseconds: Double
        /// From the turn's arrival (including any wait behind the turn before it) to its clip
        /// being sent; for speech, from the moment the detector heard the visitor stop, so it
        /// includes recognition.
        public var totalMilliseconds: Double
        /// Spoken turns: the detector's stop hangover, and the recognizer's time.
        public var vadMilliseconds: Double?
        public var sttMilliseconds: Double?

        public init(
            searchMilliseconds: Double,
            modelMilliseconds: Double,
            directorMilliseconds: Double,
            totalMilliseconds: Double,
            vadMilliseconds: Double? = nil,
            sttMilliseconds: Double? = nil
        ) {
            self.searchMilliseconds = searchMilliseconds
            self.modelMilliseconds = modelMilliseconds
            self.directorMilliseconds = directorMilliseconds
            self.totalMilliseconds = totalMilliseconds
            self.vadMilliseconds = vadMilliseconds
            self.sttMilliseconds = sttMilliseconds
        }

        /// Spoken turns: from the visitor's last sound to `play-clip` sent.
        public var speechToPlayMilliseconds: Double? {
            vadMilliseconds.map { $0 + totalMilliseconds }
        }

        enum CodingKeys: String, CodingKey {
            case searchMilliseconds = "search_ms"
            case modelMilliseconds = "model_ms"
            case directorMilliseconds = "director_ms"
            case totalMilliseconds = "total_ms"
            case vadMilliseconds = "vad_ms"
            case sttMilliseconds = "stt_ms"
        }
    }

    public var turn: Int
    public var kind: AnswerKind
    public var director: String
    /// What the visitor said that this answers (merged turns joined), if anything.
    public var visitor: String?
    /// The `visitor-text` events it answers.
    public var utterances: [Int]
    public var reasoning: String
    public var queries: [String]
    public var clip: ClipPayload
    public var candidates: [CandidatePayload]
    public var timings: TimingsPayload
    public var fallbackReason: String?

    public init(
        turn: Int,
        kind: AnswerKind,
        director: String,
        visitor: String?,
        utterances: [Int],
        reasoning: String,
        queries: [String],
        clip: ClipPayload,
        candidates: [CandidatePayload],
        timings: TimingsPayload,
        fallbackReason: String?
    ) {
        self.turn = turn
        self.kind = kind
        self.director = director
        self.visitor = visitor
        self.utterances = utterances
        self.reasoning = reasoning
        self.queries = queries
        self.clip = clip
        self.candidates = candidates
        self.timings = timings
        self.fallbackReason = fallbackReason
    }

    enum CodingKeys: String, CodingKey {
        case turn, kind, director, visitor, utterances, reasoning, queries, clip, candidates, timings
        case fallbackReason = "fallback_reason"
    }
}
