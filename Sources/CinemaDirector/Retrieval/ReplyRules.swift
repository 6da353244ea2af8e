public import CinemaCore
public import CinemaLibrary
import Foundation

/// How the retrieval director weighs a candidate: a line from the library that resembles what
/// the visitor said (the match), and the line that follows it in its film (the reply).
///
/// Every rule is here, as plain arithmetic on text and times, so that each can be tested alone
/// and the reasoning can say which ones applied.
public struct ReplyRules: Sendable {
    public var minimumSpeech: Double
    public var maximumSpeech: Double
    /// How close a library line must be to what the visitor said for its reply to count.
    public var minimumSimilarity: Double

    /// Cosine similarities of meaning at or below `meaningFloor` count as unrelated, at or above
    /// `meaningFull` as saying the same; in between they scale like the words' similarity.
    public var meaningFloor: Double
    public var meaningFull: Double
    /// A reply this near in meaning to what the visitor said only says it back.
    public var echoMeaning = 0.8
    /// A retort must be at least this near in meaning to what the visitor said.
    public var retortMeaning = 0.5

    public init(
        minimumSpeech: Double = 0.8,
        maximumSpeech: Double = 8,
        minimumSimilarity: Double = 0.4,
        meaningFloor: Double = 0.35,
        meaningFull: Double = 0.8
    ) {
        self.minimumSpeech = minimumSpeech
        self.maximumSpeech = maximumSpeech
        self.minimumSimilarity = minimumSimilarity
        self.meaningFloor = meaningFloor
        self.meaningFull = meaningFull
    }

    /// A cosine similarity of meaning on the words' 0…1 scale of closeness.
    public func meaningCloseness(_ cosine: Double) -> Double {
        min(1, max(0, (cosine - meaningFloor) / (meaningFull - meaningFloor)))
    }

    /// What the visitor said, reduced to what the rules compare.
    public struct Utterance: Sendable {
        public var text: String
        public var words: [String]
        public var keywords: Set<String>
        public var isQuestion: Bool

        public init(_ text: String) {
            self.text = text
            let query = SearchQuery(text)
            words = query.words
            keywords = Set(query.keywords)
            isQuestion = ReplyRules.isQuestion(text, words: query.words)
        }
    }

    public struct Context: Sendable {
        public var playedClipIDs: Set<Int64>
        public var recentFilmIDs: [Int64]
        public var sessionFilmIDs: Set<Int64>
        public var coolingClipIDs: Set<Int64>

        public init(playedClipIDs: Set<Int64> = [], recentFilmIDs: [Int64] = [], sessionFilmIDs: Set<Int64> = [], coolingClipIDs: Set<Int64> = []) {
            self.playedClipIDs = playedClipIDs
            self.recentFilmIDs = recentFilmIDs
            self.sessionFilmIDs = sessionFilmIDs
            self.coolingClipIDs = coolingClipIDs
        }
    }

    /// A score with the reasons for it, or why the candidate cannot be played at all.
    public enum Verdict: Sendable, Equatable {
        case scored(Double, notes: [String])
        case excluded(String)
    }

    /// Weighs `reply` as the answer to `utterance`, given that what the visitor said resembles
    /// `match`, found by its words, its meaning or both as `found` says.
    /// `replyMeaning` is how near the reply itself is in meaning to what the visitor said.
    public func judge(reply: Clip, match: Clip, found: Decision.Match, replyMeaning: Double? = nil, utterance: Utterance, context: Context) -> Verdict
    {
        if context.playedClipIDs.contains(reply.id) { return .excluded("already played in this session") }
        let speech = reply.cueEnd - reply.cueStart
        if speech < minimumSpeech { return .excluded("too short (\(Self.seconds(speech)) s of speech)") }
        if speech > maximumSpeech { return .excluded("too long (\(Self.seconds(speech)) s of speech)") }

        var notes: [String] = []
        let byWords = Self.similarity(utterance, SearchQuery(match.text))
        let byMeaning = found.semantic.map(meaningCloseness) ?? 0
        // Meaning, when known, decides: "That your name?" shares the words of "What is your
        // name?" but not its sense; "What's your name?" shares both.
        let similarity = found.semantic == nil ? byWords : 0.3 * byWords + 0.7 * byMeaning
        // A line that shares a word or two with the visitor is not what they said; its reply
        // would answer something else. Better "What?" than a non sequitur.
        if similarity < minimumSimilarity { return .excluded("matched too loosely (\(String(format: "%.2f", similarity)))") }
        // "Yes." or "What?" matches a thousand lines; only a line that says just that (or means
        // just that) has a reply that answers it.
        if utterance.words.count <= 2 && SearchQuery(match.text).words != utterance.words && byMeaning < 1 {
            return .excluded("a one- or two-word remark needs a line that says exactly that")
        }
        let relevance = found.lexical ?? byMeaning
        var score = 0.3 * relevance + 0.7 * similarity
        if utterance.isQuestion && match.text.trimmingCharacters(in: .whitespaces).hasSuffix("?") {
            score += 0.15
            notes.append("a question matched by a question")
        }
        if UtteranceMerger.continues(match.text, into: reply.text) || UtteranceMerger.startsLowercase(reply.text) {
            score *= 0.35
            notes.append("the next line only continues the same sentence")
        }
        if reply.cueStart - match.cueEnd <= 1.5 {
            score += 0.05
            notes.append("answered at once")
        }
        if utterance.isQuestion {
            if Self.soundsLikeAnswer(reply.text) {
                score += 0.1
                notes.append("sounds like an answer")
            } else {
                // "Quick!" or "Come back!" after a question is the film's plot moving on.
                score *= 0.75
                notes.append("does not open like an answer")
            }
        }
        if utterance.words.count <= 2 {
            // "Yes." or "Shut up." is said in every film: what follows it there is anybody's guess.
            score *= 0.7
            notes.append("a word or two match anything")
        }
        if utterance.words.count <= 2 && SearchQuery(reply.text).words.count > 6 {
            score *= 0.6
            notes.append("a long answer to a word or two")
        }
        let length = SearchQuery(reply.text).words.count
        if length > 10 {
            score *= length > 16 ? 0.55 : 0.75
            notes.append("a long speech (\(length) words)")
        }
        if !utterance.isQuestion {
            // A statement's "next line" in a film is more often the plot moving on than an answer.
            score *= 0.85
        }
        if let name = Self.namedPerson(in: reply.text, unless: utterance.text) {
            score *= 0.35
            notes.append("speaks of \(name), whom the visitor never mentioned")
        } else if let someone = Self.thirdPerson(in: reply.text, unless: utterance) {
            score *= 0.6
            notes.append("speaks of “\(someone)”, someone from the film's scene")
        }
        if Self.echoes(reply.text, utterance) {
            score *= 0.15
            notes.append("echoes the visitor's words")
        } else if let replyMeaning, replyMeaning >= echoMeaning {
            score *= 0.3
            notes.append(String(format: "says what the visitor said (meaning %.2f)", replyMeaning))
        }
        if Self.isFragment(reply.text) {
            score *= 0.4
            notes.append("breaks off mid-sentence")
        }
        if Self.normalized(reply.text) == Self.normalized(match.text) {
            score *= 0.3
            notes.append("repeats the matched line")
        }
        if context.recentFilmIDs.contains(reply.filmID) {
            score *= 0.6
            notes.append("same film as a recent answer")
        } else if context.sessionFilmIDs.contains(reply.filmID) {
            score *= 0.85
            notes.append("film already used in this session")
        }
        if context.coolingClipIDs.contains(reply.id) {
            score *= 0.2
            notes.append("played recently in another session")
        }
        return .scored(score, notes: notes)
    }

    /// Weighs a line that says the visitor's sentence turned around ("You're stupid" →
    /// "I'm not stupid!"), played as the answer itself.
    public func judgeReflection(line: Clip, relevance: Double, reflected: Utterance, utterance: Utterance, context: Context) -> Verdict {
        if context.playedClipIDs.contains(line.id) { return .excluded("already played in this session") }
        let speech = line.cueEnd - line.cueStart
        if speech < minimumSpeech { return .excluded("too short (\(Self.seconds(speech)) s of speech)") }
        if speech > maximumSpeech { return .excluded("too long (\(Self.seconds(speech)) s of speech)") }
        let lineWords = SearchQuery(line.text).words
        // It must speak to the visitor the way the reflection does: "you" for their "I", "I" for their "you".
        let pronouns: Set<String> = Set(reflected.words).intersection(["you", "i", "me", "my", "your"])
        guard !pronouns.isDisjoint(with: Set(lineWords)) else { return .excluded("does not speak to the visitor") }
        let similarity = Self.similarity(reflected, SearchQuery(line.text))
        guard similarity >= 0.45 else { return .excluded("too far from the turned-around sentence") }
        var notes = ["says the visitor's sentence turned around"]
        var score = 0.4 * relevance + 0.6 * similarity
        if UtteranceMerger.startsLowercase(line.text) {
            score *= 0.35
            notes.append("starts mid-sentence")
        }
        if Self.echoes(line.text, utterance) {
            score *= 0.15
            notes.append("echoes the visitor's words")
        }
        return .scored(Self.common(score, line: line, utterance: utterance, context: context, notes: &notes), notes: notes)
    }

    /// Weighs a short line that takes up the visitor's own word and reacts to it ("I'm tired." →
    /// "Tired?", "You're ugly." → "Ugly?"), played as the answer itself.
    /// `meaning` is how near the line is in meaning to what the visitor said, when known: a
    /// line that takes up their word in another sense ("the cheese is on fire" → "Hold your
    /// fire!") has not heard them.
    public func judgeRetort(line: Clip, relevance: Double, meaning: Double? = nil, utterance: Utterance, context: Context) -> Verdict {
        if context.playedClipIDs.contains(line.id) { return .excluded("already played in this session") }
        if let meaning, meaning < retortMeaning {
            return .excluded(String(format: "takes up a word in another sense (meaning %.2f)", meaning))
        }
        let speech = line.cueEnd - line.cueStart
        if speech < minimumSpeech * 0.75 || speech > maximumSpeech { return .excluded("outside the speech bounds for a retort") }
        let query = SearchQuery(line.text)
        guard query.words.count <= 7 else { return .excluded("too long to be a retort") }
        let shared = utterance.keywords.intersection(query.keywords)
        guard !shared.isEmpty else { return .excluded("takes up none of the visitor's words") }
        let trimmed = line.text.trimmingCharacters(in: .whitespaces)
        guard !UtteranceMerger.startsLowercase(line.text), UtteranceMerger.endsSentence(line.text), !trimmed.hasSuffix("..."),
            !trimmed.hasSuffix("…")
        else {
            return .excluded("a fragment of a longer sentence")
        }
        // A word or two said back as a question ("Hungry?") asks the visitor more; said flatly or
        // shouted ("Outside.", "A fool!") it only grabs their word.
        if query.words.count <= 2 && !trimmed.hasSuffix("?") {
            return .excluded("repeats a word without asking back")
        }
        // "Hungry?" to "I'm hungry" asks back; "What's the weather outside like?" to "What's the
        // weather like?" only says it again.
        if query.words.count >= 3 && Self.echoes(line.text, utterance) { return .excluded("merely says it back") }
        // Saying the whole sentence back is not a retort.
        if query.words == utterance.words
            || (utterance.words.count >= 2 && RetrievalDirector.contains(query.words, utterance.words)
                && Set(query.words).isDisjoint(with: Self.answerWords))
        {
            return .excluded("merely says it back")
        }
        var notes = ["takes up \(shared.sorted().joined(separator: ", ")) and reacts"]
        let coverage = Double(shared.count) / Double(max(1, utterance.keywords.count))
        let brevity = 1 - Double(query.words.count - 1) / 7
        var score = 0.3 * relevance + 0.7 * (0.6 * coverage + 0.4 * brevity)
        if trimmed.hasSuffix("?") && !utterance.isQuestion {
            score += 0.1
            notes.append("asks back")
        } else if trimmed.hasSuffix("!") {
            score += 0.05
        }
        return .scored(Self.common(score, line: line, utterance: utterance, context: context, notes: &notes), notes: notes)
    }

    /// Penalties every kind of candidate shares: names from the film's plot, a film just heard,
    /// a line another session played lately.
    private static func common(_ score: Double, line: Clip, utterance: Utterance, context: Context, notes: inout [String]) -> Double {
        var score = score
        if let name = namedPerson(in: line.text, unless: utterance.text) {
            score *= 0.35
            notes.append("speaks of \(name), whom the visitor never mentioned")
        }
        if context.recentFilmIDs.contains(line.filmID) {
            score *= 0.6
            notes.append("same film as a recent answer")
        }
        if context.coolingClipIDs.contains(line.id) {
            score *= 0.2
            notes.append("played recently in another session")
        }
        return score
    }

    /// Capitalised words that are not where a sentence starts ("Yes, Sweeney, very hungry.") are
    /// names from the film's plot: the visitor does not know them. Returns the first such name,
    /// unless the visitor said it. (A name that opens a sentence, "Sweeney? What…", looks like
    /// any first word and is let through: better to miss a name than to refuse every "Happy, …".)
    static func namedPerson(in text: String, unless said: String) -> String? {
        let visitor = Set(SearchQuery(said).words)
        var sentenceStart = true
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        for (index, token) in tokens.enumerated() {
            let word = Self.trimmingPunctuation(token)
            // "Mr." and "Mrs." end in a full stop but not a sentence: the name follows.
            defer { sentenceStart = (token.last.map { ".?!:\"".contains($0) } ?? false) && !titles.contains(token.lowercased()[...]) }
            guard let first = word.first, first.isUppercase, word.count >= 2 else { continue }
            // After "Mr." comes a name, even one that is also a word the visitor used ("Mr. Day").
            if index > 0 && titles.contains(tokens[index - 1].lowercased()[...]) { return word }
            let lower = word.lowercased()
            if notNames.contains(lower) || visitor.contains(lower) { continue }
            if !sentenceStart && index > 0 && !tokens[index - 1].hasSuffix("-") { return word }
        }
        return nil
    }

    private static let titles: Set<Substring> = ["mr.", "mrs.", "ms.", "dr.", "st.", "mme.", "mlle."]

    /// The word inside a token: punctuation at either end dropped, apostrophes kept ("Excellency's").
    private static func trimmingPunctuation(_ token: Substring) -> String {
        let scalars = token.unicodeScalars
        func isWordScalar(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isAlphabetic || scalar == "'" }
        guard let first = scalars.firstIndex(where: isWordScalar), let last = scalars.lastIndex(where: isWordScalar) else { return "" }
        return String(scalars[first...last])
    }

    /// Whether a pool line adds a name to what its query says: a capitalised word that is not
    /// among `words` nor a common one, said to someone ("Sara, how dare you") or in mid-sentence.
    /// A word that is a sentence of its own ("Pardon? What did you say?") is not a name.
    static func addsCapitalizedWord(_ text: String, to words: [String]) -> Bool {
        let known = Set(words)
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        for (index, token) in tokens.enumerated() {
            let word = trimmingPunctuation(token)
            guard let first = word.first, first.isUppercase else { continue }
            // "You're" is "you" + "re" to the search, as in `words`.
            guard !SearchQuery.words(in: word).allSatisfy(known.contains), !notNames.contains(word.lowercased()) else { continue }
            let startsSentence = index == 0 || tokens[index - 1].last.map { ".?!".contains($0) } == true
            if !startsSentence || token.hasSuffix(",") { return true }
        }
        return false
    }

    /// Capitalised words that are not anyone's name: interjections, forms of address, "I".
    private static let notNames: Set<String> = [
        "i", "i'm", "i'll", "i've", "i'd", "ok", "okay", "sir", "madam", "ma'am", "god", "lord", "mister", "mr", "mrs", "miss", "doctor",
        "oh", "well", "yes", "no", "hey", "look", "listen", "now", "so", "come", "please", "dear", "darling", "honey", "sweetheart",
        "baby", "ah", "say", "why", "what", "gee", "boy", "man", "mom", "mother", "father", "dad", "mama", "papa", "monsieur", "madame",
        "señor", "sergeant", "captain", "officer", "gentlemen", "ladies", "everybody", "christmas", "english", "american",
        "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sundays", "mondays", "tuesdays", "wednesdays",
        "thursdays", "fridays", "saturdays",
    ]

    private static let answerOpenings: Set<String> = [
        "yes", "no", "yeah", "nope", "well", "oh", "i", "it", "because", "nothing", "never", "of", "sure", "certainly", "not", "maybe",
        "perhaps", "always", "nobody", "somebody", "everybody", "here", "there", "that", "this", "we", "my", "me", "ah", "why",
    ]

    /// "He", "she", "they": a reply that speaks of a third person answers a scene the visitor
    /// was not in, unless the visitor spoke of someone too. Returns the first such word.
    static func thirdPerson(in text: String, unless utterance: Utterance) -> String? {
        let visitor = Set(utterance.words)
        guard visitor.isDisjoint(with: thirdPersons) else { return nil }
        return SearchQuery(text).words.first(where: thirdPersons.contains)
    }

    private static let thirdPersons: Set<String> = ["he", "she", "him", "her", "his", "hers", "they", "them", "their", "himself", "herself"]

    /// A line that stops before its sentence does: "I started to think-", "and the cake...".
    static func isFragment(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.hasSuffix("-") || trimmed.hasSuffix("...") || trimmed.hasSuffix("…") || trimmed.hasSuffix(",")
    }

    /// Lines that open the way answers do ("Yes…", "No…", "Well…", "I…", "Because…").
    static func soundsLikeAnswer(_ text: String) -> Bool {
        SearchQuery(text).words.first.map(answerOpenings.contains) ?? false
    }

    /// Whether a pool clip (greeting, farewell, "what?") may be played now: unplayed, of a
    /// sensible length, and not addressed to someone in the film ("So long, George.").
    public func allows(_ clip: Clip, context: Context) -> Bool {
        let speech = clip.cueEnd - clip.cueStart
        return !context.playedClipIDs.contains(clip.id) && speech >= minimumSpeech * 0.5 && speech <= maximumSpeech
            && Self.namedPerson(in: clip.text, unless: "") == nil
    }

    // MARK: Text measures

    /// How much a library line is about what the visitor said, 0…1. Half is the content words
    /// (how many of the visitor's it covers, and how much of the line they are), half is the
    /// whole sentence's shape (Dice overlap of all words), so that "Can you hear me?" prefers
    /// "Can you hear me, Joe?" to "Hear, hear."; a line that contains the whole utterance scores 1.
    public static func similarity(_ utterance: Utterance, _ line: SearchQuery) -> Double {
        guard !utterance.words.isEmpty, !line.words.isEmpty else { return 0 }
        if utterance.words.count >= 2 && RetrievalDirector.contains(line.words, utterance.words) {
            return min(1, Double(utterance.words.count + 2) / Double(line.words.count + 2) + 0.5)
        }
        let visitorAll = Set(utterance.words)
        let lineAll = Set(line.words)
        let shape = 2 * Double(visitorAll.intersection(lineAll).count) / Double(visitorAll.count + lineAll.count)
        let lineWords = Set(line.keywords)
        guard !utterance.keywords.isEmpty, !lineWords.isEmpty else { return shape }
        let shared = Double(utterance.keywords.intersection(lineWords).count)
        let content = 0.6 * shared / Double(utterance.keywords.count) + 0.4 * shared / Double(lineWords.count)
        return 0.5 * content + 0.5 * shape
    }

    /// A reply that says back what the visitor said ("Tea?" to "I'd like tea") has not answered.
    public static func echoes(_ reply: String, _ utterance: Utterance) -> Bool {
        let replyQuery = SearchQuery(reply)
        // "I love you too", "I'm not stupid": agreeing or denying is an answer, not an echo.
        if !Set(replyQuery.words).isDisjoint(with: Self.answerWords) && Set(utterance.words).isDisjoint(with: Self.answerWords) { return false }
        // "Wait a minute, where are you going?" to "Where are you going?" says it back.
        if utterance.words.count >= 2 && RetrievalDirector.contains(replyQuery.words, utterance.words) { return true }
        let replyWords = Set(replyQuery.keywords)
        if replyWords.isEmpty {
            // Only common words: an echo when they are all the visitor's ("Are you?").
            let all = Set(replyQuery.words)
            return !all.isEmpty && all.isSubset(of: Set(utterance.words)) && all.count >= 2
        }
        if replyWords.isSubset(of: utterance.keywords) { return true }
        let shared = Double(replyWords.intersection(utterance.keywords).count)
        return shared / Double(replyWords.union(utterance.keywords).count) >= 0.5
    }

    /// Words that turn a repeated sentence into an answer: agreement, denial, "too".
    static let answerWords: Set<String> = ["too", "not", "t", "yes", "no", "never", "neither", "either", "also", "nor"]

    private static let questionStarts: Set<String> = [
        "who", "what", "where", "when", "why", "how", "which", "whose", "whom", "is", "are", "am", "do", "does", "did", "can", "could",
        "will", "would", "should", "shall", "may", "might", "have", "has", "was", "were", "aren", "isn", "don", "didn", "won",
    ]

    public static func isQuestion(_ text: String, words: [String]) -> Bool {
        text.contains("?") || words.first.map(questionStarts.contains) == true
    }

    static func normalized(_ text: String) -> String {
        SearchQuery(text).words.joined(separator: " ")
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
