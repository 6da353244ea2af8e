import CinemaLibrary

/// What a visitor's words mean for the session itself, apart from what the director answers.
public enum VisitorIntent {
    private static let goodbyes: [[String]] = [
        ["bye"], ["goodbye"], ["farewell"], ["see", "you"], ["good", "night"], ["goodnight"], ["so", "long"], ["i", "have", "to", "go"],
        ["i", "m", "leaving"], ["i", "must", "go"], ["take", "care"], ["see", "ya"], ["cheerio"], ["nice", "talking"],
        ["nice", "meeting", "you"], ["i", "must", "be", "going"], ["i", "m", "off"],
    ]

    private static let greetings: [[String]] = [
        ["hello"], ["hi"], ["hey"], ["hiya"], ["howdy"], ["greetings"], ["good", "morning"], ["good", "evening"], ["good", "afternoon"],
        ["good", "day"], ["nice", "to", "meet", "you"], ["how", "do", "you", "do"],
    ]

    /// Whether the visitor is saying hello ("Hi, I'm Maria", "Good morning, how are you?"), so
    /// that the TV can greet them back; not when the greeting opens something else ("Hey, is
    /// anyone in there?").
    public static func isGreeting(_ text: String) -> Bool {
        let words = SearchQuery(text).words
        guard let phrase = greetings.first(where: { contains(words, $0) }) else { return false }
        return words.count - phrase.count <= 3
    }

    private static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        words.count >= phrase.count && (0...(words.count - phrase.count)).contains { words[$0..<($0 + phrase.count)].elementsEqual(phrase) }
    }

    /// Whether the visitor is taking their leave, so that the TV should close with a farewell.
    public static func isGoodbye(_ text: String) -> Bool {
        let words = SearchQuery(text).words
        // A long sentence that mentions "goodbye" in passing is not a leave-taking.
        guard !words.isEmpty, words.count <= 8 else { return false }
        // "Lovely to see you", "nice to see you": a welcome, not a leave-taking.
        if contains(words, ["to", "see", "you"]) && !contains(words, ["bye"]) && !contains(words, ["goodbye"]) { return false }
        return goodbyes.contains { phrase in contains(words, phrase) }
    }
}
