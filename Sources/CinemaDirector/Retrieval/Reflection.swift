import CinemaLibrary

/// Turns what the visitor said around, as a listener would say it back: "I'm sad" becomes
/// "you're sad", "You're stupid" becomes "I'm stupid", "I love you" becomes "you love me". A film
/// line that says the turned-around sentence ("Why are you sad?", "I'm not stupid!") is itself an
/// answer, the way ELIZA answered.
enum Reflection {
    private static let swaps: [String: String] = [
        "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
        "your": "my", "yours": "mine", "yourself": "myself",
    ]

    /// Words after which "you" is the subject ("do you", "and you"), so it turns into "I";
    /// elsewhere it is the object and turns into "me".
    private static let beforeSubject: Set<String> = [
        "and", "but", "that", "if", "when", "because", "so", "what", "where", "why", "how", "who", "do", "did", "does", "can", "could",
        "will", "would", "should", "shall", "are", "were", "have", "has", "had", "then", "as", "than", "or",
    ]

    /// The reflected sentence, or `nil` when it says nothing of "I" or "you".
    static func reflect(_ text: String) -> String? {
        let words = SearchQuery(text).words
        guard words.contains(where: { $0 == "you" || swaps[$0] != nil }) else { return nil }
        var reflected: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            let next = index + 1 < words.count ? words[index + 1] : nil
            switch (word, next) {
            // Contractions arrive split: "i m" ↔ "you re"; the full forms "i am" ↔ "you are".
            case ("i", "m"?): reflected += ["you", "re"]
            case ("i", "am"?): reflected += ["you", "are"]
            case ("you", "re"?): reflected += ["i", "m"]
            case ("you", "are"?): reflected += ["i", "am"]
            case ("you", _):
                let subject = index == 0 || beforeSubject.contains(words[index - 1])
                reflected.append(subject ? "i" : "me")
                index += 1
                continue
            default:
                reflected.append(swaps[word] ?? word)
                index += 1
                continue
            }
            index += 2
        }
        return reflected.joined(separator: " ")
    }
}
