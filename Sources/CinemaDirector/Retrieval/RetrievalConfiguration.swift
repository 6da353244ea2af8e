public import Configuration

/// The retrieval director's settings, read from the `director.*` keys (`CINEMA_DIRECTOR_…`).
public struct RetrievalConfiguration: Sendable, Equatable {
    /// Replies shorter or longer than this much speech are not played.
    public var minimumSpeech = 0.8
    public var maximumSpeech = 8.0
    /// The best few candidates are drawn from at random, so that two sessions differ.
    public var choices = 3
    /// Candidates scoring below this are not played: after the penalties for echoing, names or
    /// loose matches, "What?" is the better answer.
    public var minimumScore = 0.3
    /// How many library lines each search may match.
    public var matchesPerSearch = 30
    /// A clip played in any session is avoided for this long.
    public var cooldownMinutes = 30.0
    /// Fixed for reproducible runs (tests, evaluations); `nil` draws from the system.
    public var seed: UInt64?
    /// What the TV looks for to open, to close, and to say it did not understand.
    public var greetingQueries = ["Hello.", "Good evening.", "Good morning.", "Hi there.", "How do you do?", "Good afternoon."]
    public var farewellQueries = ["Goodbye.", "Good night.", "So long.", "Farewell.", "See you later.", "Bye."]
    public var fallbackQueries = [
        "What?", "What did you say?", "I don't understand.", "Say that again.", "Pardon?", "I beg your pardon?", "What do you mean?",
        "Come again?",
    ]
    /// Fitting reactions to thanks, distress, rebukes and a bare "yes" or "no".
    public var reactionQueries: [Reaction: [String]] = [
        .thanks: ["You're welcome.", "Don't mention it.", "Not at all.", "My pleasure.", "Any time."],
        .distress: ["Don't worry.", "Cheer up.", "Don't be afraid.", "I'm sorry.", "There, there.", "Poor thing.", "It'll be all right."],
        .rebuke: ["How dare you!", "Well, I never!", "That's not very nice.", "You don't mean that.", "Watch your tongue.", "Mind your manners."],
        .acknowledgement: ["Are you sure?", "Really?", "I see.", "Good.", "Why not?", "Very well."],
    ]
    /// A reaction competes with the matched answers at this score: a strong specific answer wins.
    public var reactionScore = 0.85

    public init() {}
}

extension RetrievalConfiguration {
    public init(reader: ConfigReader) {
        let defaults = RetrievalConfiguration()
        let director = reader.scoped(to: "director")
        minimumSpeech = max(0, director.double(forKey: "minSpeech", default: defaults.minimumSpeech))
        maximumSpeech = max(minimumSpeech, director.double(forKey: "maxSpeech", default: defaults.maximumSpeech))
        choices = max(1, director.int(forKey: "choices", default: defaults.choices))
        minimumScore = max(0, director.double(forKey: "minScore", default: defaults.minimumScore))
        matchesPerSearch = min(max(1, director.int(forKey: "matchesPerSearch", default: defaults.matchesPerSearch)), 100)
        cooldownMinutes = max(0, director.double(forKey: "cooldownMinutes", default: defaults.cooldownMinutes))
        seed = director.int(forKey: "seed").map { UInt64(truncatingIfNeeded: $0) }
        greetingQueries = director.stringArray(forKey: "greetings", default: defaults.greetingQueries)
        farewellQueries = director.stringArray(forKey: "farewells", default: defaults.farewellQueries)
        fallbackQueries = director.stringArray(forKey: "fallbacks", default: defaults.fallbackQueries)
        for reaction in Reaction.allCases {
            let key = ConfigKey(["reactions", reaction.rawValue])
            reactionQueries[reaction] = director.stringArray(forKey: key, default: defaults.reactionQueries[reaction] ?? [])
        }
        reactionScore = director.double(forKey: "reactionScore", default: defaults.reactionScore)
    }
}
