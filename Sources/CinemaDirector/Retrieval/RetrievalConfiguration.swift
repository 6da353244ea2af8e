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
    /// How many library lines nearest in meaning are weighed beside those.
    public var meaningMatches = 40
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
        .delight: ["How wonderful!", "Congratulations!", "I'm so glad.", "Marvelous!", "Splendid!", "Good for you!"],
        .praise: ["Thank you.", "You're very kind.", "Flatterer!", "Why, thank you.", "How sweet of you."],
        .musing: ["I don't know.", "Who knows?", "Nobody knows.", "That's a good question.", "I wonder.", "Who can say?"],
        .request: ["I'd rather not.", "Not now.", "Some other time.", "Why should I?", "I can't.", "Maybe later."],
        .news: ["Is that so?", "How interesting.", "You don't say.", "Tell me more.", "Well, well.", "Really?"],
    ]
    /// Remarks that call for each reaction, as examples: a visitor's line this near
    /// (`reactionSimilarity`, cosine) in meaning to one of them gets that reaction. Written as
    /// kinds of remark, not as any visitor's words.
    public var reactionExamples: [Reaction: [String]] = [
        .thanks: ["Thank you so much.", "I really appreciate it.", "That's kind of you, thanks."],
        .distress: [
            "I feel so sad today.", "I'm lonely.", "I'm scared.", "Everything is going wrong in my life.", "Someone I loved has died.",
            "I'm so stressed and worried.", "Nobody cares about me.",
        ],
        .rebuke: ["You're stupid.", "Shut up.", "You're a useless piece of junk.", "I hate you.", "You're boring and ugly."],
        .delight: ["I'm so happy today!", "I just got some wonderful news.", "We're getting married!", "I passed my exam!"],
        .praise: ["You're beautiful.", "I like you a lot.", "You're very clever.", "You have lovely eyes."],
        .musing: [
            "What is the meaning of life?", "Is there life after death?", "Why are we here?", "Does god exist?",
            "What happens when we die?", "What is love?",
        ],
        .request: ["Tell me a joke.", "Sing me a song.", "Dance for me.", "Say something funny.", "Do a trick."],
        .news: ["I work as a teacher.", "I have two children.", "I live in the city.", "I'm a student.", "I just came back from holiday."],
    ]
    /// How near in meaning (cosine) a visitor's line must be to an example to call for its reaction.
    public var reactionSimilarity = 0.5
    /// A reaction competes with the matched answers at this score: a strong specific answer wins.
    public var reactionScore = 0.85
    /// A plain answer of the right form ("Who knows?" to a question) competes at this score: it
    /// beats only weak specific answers, and "What?".
    public var plainScore = 0.6

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
        meaningMatches = min(max(0, director.int(forKey: "meaningMatches", default: defaults.meaningMatches)), 200)
        cooldownMinutes = max(0, director.double(forKey: "cooldownMinutes", default: defaults.cooldownMinutes))
        seed = director.int(forKey: "seed").map { UInt64(truncatingIfNeeded: $0) }
        greetingQueries = director.stringArray(forKey: "greetings", default: defaults.greetingQueries)
        farewellQueries = director.stringArray(forKey: "farewells", default: defaults.farewellQueries)
        fallbackQueries = director.stringArray(forKey: "fallbacks", default: defaults.fallbackQueries)
        for reaction in Reaction.allCases {
            let key = ConfigKey(["reactions", reaction.rawValue])
            reactionQueries[reaction] = director.stringArray(forKey: key, default: defaults.reactionQueries[reaction] ?? [])
        }
        for reaction in Reaction.allCases {
            let key = ConfigKey(["reactionExamples", reaction.rawValue])
            reactionExamples[reaction] = director.stringArray(forKey: key, default: defaults.reactionExamples[reaction] ?? [])
        }
        reactionSimilarity = director.double(forKey: "reactionSimilarity", default: defaults.reactionSimilarity)
        reactionScore = director.double(forKey: "reactionScore", default: defaults.reactionScore)
        plainScore = director.double(forKey: "plainScore", default: defaults.plainScore)
    }
}
