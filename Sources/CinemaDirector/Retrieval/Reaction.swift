import CinemaLibrary

/// Broad kinds of remark that have a fitting reaction whatever their words: thanks get "You're
/// welcome", distress gets "Don't worry", a rebuke gets "How dare you!", a bare "yes" gets "Are
/// you sure?", good news gets "How wonderful!", praise gets "You're very kind", a question nobody
/// can answer gets "Who knows?", a request to perform gets "Not now", news of the visitor's own
/// life gets "Is that so?". The reactions are lines searched for in the library, like the
/// greetings. The first four are also told by their words; all are told by meaning when the
/// library has embeddings.
public enum Reaction: String, Sendable, CaseIterable, Codable {
    case thanks, distress, rebuke, acknowledgement
    case delight, praise, musing, request, news

    /// Which reaction, if any, fits what the visitor said.
    static func detect(_ words: [String]) -> Reaction? {
        guard !words.isEmpty else { return nil }
        let set = Set(words)
        if words.count <= 8 && (set.contains("thank") || set.contains("thanks")) { return .thanks }
        if words.count <= 2 && set.isSubset(of: acknowledgements) { return .acknowledgement }
        if words.count <= 10 {
            if rebukes.contains(where: { contains(words, $0) }) { return .rebuke }
            if let feeling = feelingIndex(words), distressWords.contains(words[feeling]) { return .distress }
            if contains(words, ["heart", "is", "broken"]) || contains(words, ["i", "miss"]) || contains(words, ["nobody", "understands"]) {
                return .distress
            }
        }
        return nil
    }

    private static let acknowledgements: Set<String> = [
        "yes", "yeah", "yep", "no", "nope", "ok", "okay", "maybe", "sure", "fine", "whatever", "hmm", "alright", "right",
    ]

    private static let distressWords: Set<String> = [
        "sad", "lonely", "scared", "afraid", "frightened", "worried", "tired", "lost", "depressed", "unhappy", "nervous", "miserable",
        "anxious", "upset", "hurt", "sick", "ill", "exhausted", "heartbroken", "alone", "grieving", "devastated", "hopeless", "stressed",
    ]

    private static let insults: Set<String> = [
        "stupid", "ugly", "boring", "liar", "idiot", "fool", "crazy", "dumb", "useless", "rude", "mad", "annoying", "horrible", "terrible", "awful",
    ]

    private static let rebukes: [[String]] =
        [
            ["shut", "up"], ["go", "away"], ["i", "hate", "you"], ["leave", "me", "alone"], ["stop", "talking"], ["be", "quiet"], ["get", "lost"],
        ] + insults.map { ["you", "re", $0] } + insults.map { ["you", "are", $0] } + insults.map { ["you", "re", "a", $0] }
        + insults.map { ["you", "are", "a", $0] } + insults.map { ["you", "re", "so", $0] }

    /// The index of the word after "I'm" / "I am" / "I feel" (skipping "so", "very", "a bit").
    private static func feelingIndex(_ words: [String]) -> Int? {
        for start in words.indices {
            var next: Int?
            if words[start] == "i", start + 1 < words.count, ["m", "am", "feel"].contains(words[start + 1]) { next = start + 2 }
            if words[start] == "feel", start == 0 { next = 1 }
            guard var index = next else { continue }
            while index < words.count, ["so", "very", "really", "a", "bit", "little", "quite", "kind", "of", "sort"].contains(words[index]) {
                index += 1
            }
            if index < words.count { return index }
        }
        return nil
    }

    private static func contains(_ words: [String], _ phrase: [String]) -> Bool {
        words.count >= phrase.count && (0...(words.count - phrase.count)).contains { words[$0..<($0 + phrase.count)].elementsEqual(phrase) }
    }
}
