public import CinemaCore

/// What a director chose for one turn, and why: the clip to play, the reasoning for the operator
/// (never shown to the visitor), the searches it ran, the candidates it weighed, and timings.
public struct Decision: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable {
        /// The TV's opening line.
        case greeting
        /// The line that follows, in its film, a line like the visitor's.
        case reply
        /// A model's pick among clips it searched for.
        case llm
        /// "What?": nothing the visitor said could be answered.
        case fallback
        /// The TV's closing line.
        case farewell
        /// A clip the operator chose by hand (curator override); no director was asked.
        case curator
    }

    public struct Candidate: Sendable, Codable, Equatable {
        public var clip: Clip
        public var score: Double
        /// The line the visitor's words matched, whose reply `clip` is (retrieval director).
        public var matched: String?
        /// Why the score was raised or lowered, or why the candidate was left out.
        public var notes: [String]

        public init(clip: Clip, score: Double, matched: String? = nil, notes: [String] = []) {
            self.clip = clip
            self.score = score
            self.matched = matched
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
