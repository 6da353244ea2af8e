public import CinemaCore

/// What a director chose for one turn, and why: the clip to play, the reasoning for the operator
/// (never shown to the visitor), the searches it ran, the candidates it weighed, and timings.
public struct Decision: Sendable, Codable, Equatable {
    /// Defined in CinemaCore: the session's schema carries them.
    public typealias Kind = AnswerKind
    public typealias CandidateKind = CinemaCore.CandidateKind

    /// A library line that resembles what the visitor said, and how it was found: by its words
    /// (full-text search), by its meaning (sentence embeddings), or both.
    public struct Match: Sendable, Codable, Equatable {
        public var clipID: Int64
        public var text: String
        /// Relevance among the full-text search's hits, 0…1 (1 is the best hit); `nil` when the
        /// words did not find it.
        public var lexical: Double?
        /// Cosine similarity of its meaning to what the visitor said, −1…1; `nil` without
        /// embeddings.
        public var semantic: Double?
        /// Whether the search by meaning found it (rather than its closeness of meaning being
        /// measured after the words found it).
        public var byMeaning: Bool

        public init(clipID: Int64, text: String, lexical: Double? = nil, semantic: Double? = nil, byMeaning: Bool = false) {
            self.clipID = clipID
            self.text = text
            self.lexical = lexical
            self.semantic = semantic
            self.byMeaning = byMeaning
        }

        /// "words", "meaning" or "words and meaning": what found it, for people.
        public var foundBy: String {
            switch (lexical != nil, byMeaning) {
            case (true, true): "words and meaning"
            case (false, true): "meaning"
            default: "words"
            }
        }
    }

    public struct Candidate: Sendable, Codable, Equatable {
        public var clip: Clip
        public var score: Double
        public var kind: CandidateKind
        /// The line the visitor's words matched, whose reply `clip` is (retrieval director).
        public var match: Match?
        /// Why the score was raised or lowered, or why the candidate was left out.
        public var notes: [String]

        public init(clip: Clip, score: Double, kind: CandidateKind, match: Match? = nil, notes: [String] = []) {
            self.clip = clip
            self.score = score
            self.kind = kind
            self.match = match
            self.notes = notes
        }
    }

    public struct Timings: Sendable, Codable, Equatable {
        /// Time spent searching the library.
        public var searchMilliseconds: Double = 0
        /// Time spent waiting for a language model, if any.
        public var modelMilliseconds: Double = 0
        public var totalMilliseconds: Double = 0

        public init() {}
    }

    public var clip: Clip
    public var kind: Kind
    /// Which director decided: `retrieval`, `openai`, `anthropic`.
    public var director: String
    public var reasoning: String
    public var queries: [String]
    public var candidates: [Candidate]
    public var timings: Timings
    /// Set when the chosen director could not answer and another did, with the reason.
    public var fallbackReason: String?

    /// The candidate that was played, when the director weighed it among others.
    public var chosen: Candidate? {
        candidates.first { $0.clip.id == clip.id }
    }

    public init(
        clip: Clip,
        kind: Kind,
        director: String,
        reasoning: String,
        queries: [String] = [],
        candidates: [Candidate] = [],
        timings: Timings = Timings(),
        fallbackReason: String? = nil
    ) {
        self.clip = clip
        self.kind = kind
        self.director = director
        self.reasoning = reasoning
        self.queries = queries
        self.candidates = candidates
        self.timings = timings
        self.fallbackReason = fallbackReason
    }
}
