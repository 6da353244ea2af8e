import CinemaCore
import CinemaDirector

extension DecisionPayload {
    /// The log keeps the strongest candidates only: enough to see why, not the whole search.
    static let keptCandidates = 8

    init(
        turn: Int,
        decision: Decision,
        visitor: String?,
        utterances: [Int],
        mediaURL: String?,
        directorMilliseconds: Double,
        totalMilliseconds: Double,
        speech: UtteranceTiming?
    ) {
        self.init(
            turn: turn,
            kind: decision.kind,
            director: decision.director,
            visitor: visitor,
            utterances: utterances,
            reasoning: decision.reasoning,
            queries: decision.queries,
            clip: ClipPayload(decision.clip, mediaURL: mediaURL),
            candidates: decision.candidates.prefix(Self.keptCandidates).map {
                CandidatePayload(
                    clipID: $0.clip.id,
                    filmTitle: $0.clip.filmTitle,
                    text: $0.clip.text,
                    score: Self.rounded($0.score),
                    kind: $0.kind,
                    matched: $0.match?.text,
                    foundBy: $0.match?.foundBy,
                    lexical: $0.match?.lexical.map(Self.rounded),
                    semantic: $0.match?.semantic.map(Self.rounded),
                    notes: $0.notes
                )
            },
            timings: TimingsPayload(
                searchMilliseconds: decision.timings.searchMilliseconds,
                modelMilliseconds: decision.timings.modelMilliseconds,
                directorMilliseconds: directorMilliseconds,
                totalMilliseconds: totalMilliseconds,
                vadMilliseconds: speech?.vadMilliseconds,
                sttMilliseconds: speech?.sttMilliseconds
            ),
            fallbackReason: decision.fallbackReason
        )
    }

    /// The decision as a director's conversation remembers it, for a session restored from
    /// its log.
    var decision: Decision {
        Decision(clip: clip.clip, kind: kind, director: director, reasoning: reasoning)
    }

    private static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
