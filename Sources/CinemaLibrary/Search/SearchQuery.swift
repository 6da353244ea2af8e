/// Turns whatever a person typed or said into full-text search expressions.
///
/// Visitor text never reaches FTS5's query syntax: the text is split into words here, and each
/// word is passed as a quoted string, so quotes, `?`, `NOT`, `-`, `*`, `:` and emoji are all just
/// text. Common function words ("the", "you", "is") are left out of the broad expressions when
/// the sentence has other words, because they match most of a film and drown the words that
/// matter.
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

    /// One way to match the query, and how to rank what it matches.
    public struct Tier: Sendable, Equatable {
        public var expression: String
        public var ranking: Ranking
    }

    public enum Ranking: Sendable, Equatable {
        /// SQLite's BM25: right when the expression is a few meaningful words.
        case bm25
        /// Every match contains all the words, so the closest match is the line with the fewest
        /// other words. (BM25 would walk the whole index of "you" and "I" to weigh them.)
        case coverage
    }

    /// The expressions to try, broadest first. A search takes the first that matches something
    /// and is small enough to rank; see `LibraryDatabase.search`.
    ///
    /// With keywords: any of them, then all of them, then the whole sentence as a phrase, then
    /// all its words in any order. With only common words ("who are you?"): the phrase, all the
    /// words, then any of them.
    public var tiers: [Tier] {
        var unique: [String] = []
        for word in words where !unique.contains(word) { unique.append(word) }
        var tiers: [Tier] = []
        if !keywords.isEmpty {
            tiers.append(Tier(expression: Self.any(keywords), ranking: .bm25))
        }
        if keywords.count >= 2 {
            tiers.append(Tier(expression: Self.all(keywords), ranking: .bm25))
        }
        if words.count >= 2 {
            tiers.append(Tier(expression: Self.quoted(words.joined(separator: " ")), ranking: .coverage))
        }
        if unique.count >= 2 {
            tiers.append(Tier(expression: Self.all(unique), ranking: .coverage))
        }
        if keywords.isEmpty && !unique.isEmpty {
            tiers.append(Tier(expression: Self.any(unique), ranking: .bm25))
        }
        return tiers
    }

    /// The broadest expression, for when every tier matches too much to rank in full.
    public var broadestExpression: String? {
        keywords.isEmpty ? (words.isEmpty ? nil : Self.any(words)) : Self.any(keywords)
    }

    private static func any(_ words: [String]) -> String { words.map(quoted).joined(separator: " OR ") }
    private static func all(_ words: [String]) -> String { words.map(quoted).joined(separator: " AND ") }

    /// FTS5 string literal: double quotes inside are doubled, so nothing in it is syntax.
    static func quoted(_ word: String) -> String {
        "\"" + word.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// Splits like SQLite's `unicode61` tokenizer: runs of letters and digits are words, all else
    /// separates them (so "don't" is "don" + "t", as in the index).
    public static func words(in text: String) -> [String] {
        // Most lines are ASCII; classifying bytes is much cheaper than Unicode properties, and
        // searches tokenise every line they re-rank.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var words: [String] = []
            var current: [UInt8] = []
            for byte in text.utf8 {
                if Byte.isLetter(byte) || Byte.isDigit(byte) {
                    current.append(byte | (Byte.isLetter(byte) ? 0x20 : 0))
                } else if !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            }
            if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
            return words
        }
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
