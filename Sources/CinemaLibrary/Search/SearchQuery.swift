/// Turns whatever a person typed or said into full-text search expressions.
///
/// Visitor text never reaches FTS5's query syntax: the text is split into words here, and each
/// word is passed as a quoted string, so quotes, `?`, `NOT`, `-`, `*`, `:` and emoji are all just
/// text. Common function words ("the", "you", "is") are dropped when the sentence has other
/// words, because they match most of a film and drown the words that matter.
public struct SearchQuery: Sendable, Equatable {
    public let text: String
    /// Every word, lower-cased, in order.
    public let words: [String]
    /// The words that carry meaning: `words` without stop words, duplicates removed.
    public let keywords: [String]

    public init(_ text: String) {
        self.text = text
        self.words = Self.words(in: text)
        var seen = Set<String>()
        self.keywords = words.filter { !StopWords.english.contains($0) && seen.insert($0).inserted }
    }

    /// The expressions to try, best first; a search stops at the first that finds anything.
    ///
    /// With keywords: any of them (BM25 ranks lines that have more of them higher). With only
    /// stop words ("who are you?"): the exact phrase, then all of the words, then any of them.
    public var matchExpressions: [String] {
        if !keywords.isEmpty {
            return [keywords.map(Self.quoted).joined(separator: " OR ")]
        }
        guard !words.isEmpty else { return [] }
        var unique: [String] = []
        for word in words where !unique.contains(word) { unique.append(word) }
        let phrase = Self.quoted(words.joined(separator: " "))
        if unique.count == 1 { return [phrase] }
        return [phrase, unique.map(Self.quoted).joined(separator: " AND "), unique.map(Self.quoted).joined(separator: " OR ")]
    }

    /// FTS5 string literal: double quotes inside are doubled, so nothing in it is syntax.
    static func quoted(_ word: String) -> String {
        "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits like SQLite's `unicode61` tokenizer: runs of letters and digits are words, all else
    /// separates them (so "don't" is "don" + "t", as in the index).
    static func words(in text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        for scalar in text.unicodeScalars {
            let properties = scalar.properties
            if properties.isAlphabetic || properties.numericType != nil || properties.generalCategory == .nonspacingMark {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return words
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
