import Foundation

/// Builds a trigram language model for pocketsphinx from text, such as the library's dialogue:
/// the words and word sequences the films actually say, instead of the generic model's news and
/// web English.
///
/// Words are normalised as ``TranscriptFilter`` normalises transcripts (lower case, apostrophes
/// kept, so "Don't" is cmudict's `don't`). Only words the pronunciation dictionary can say are
/// kept: a sentence is cut at every other word, and each piece becomes its own `<s> … </s>`
/// sentence, so that no n-gram spans a word the recognizer cannot hear. Text is cut into
/// sentences at line breaks and at `.`, `!`, `?` and `;`.
///
/// Smoothing is interpolated Kneser-Ney with one absolute discount per order
/// (`D = n1 / (n1 + 2 n2)`), written in ARPA backoff form: each n-gram carries its interpolated
/// probability and each context the weight it leaves to the shorter context, so that every
/// context's distribution over the vocabulary sums to 1.
public struct LanguageModelBuilder: Sendable {
    /// The longest n-gram counted.
    public static let order = 3

    /// What went into the model so far.
    public struct Statistics: Sendable, Equatable {
        /// Pieces of sentences counted, each one `<s> … </s>`.
        public var sentences = 0
        /// Words kept.
        public var words = 0
        /// Words left out because the dictionary cannot pronounce them.
        public var unknownWords = 0
    }

    public private(set) var statistics = Statistics()
    private let pronounceable: Set<String>
    /// `<s>` is 0, `</s>` is 1, words follow in order of first appearance.
    private var words = ["<s>", "</s>"]
    private var ids: [String: UInt64] = [:]
    private var unigrams: [Int] = [0, 0]
    private var bigrams: [UInt64: Int] = [:]
    private var trigrams: [UInt64: Int] = [:]

    private static let start: UInt64 = 0
    private static let end: UInt64 = 1
    /// Each word id takes 20 bits of an n-gram's key: a vocabulary of up to a million words.
    private static let bits: UInt64 = 20
    private static let mask: UInt64 = (1 << bits) - 1

    /// - Parameter pronounceable: the words of the recognizer's dictionary
    ///   (``PronunciationDictionary/words``).
    public init(pronounceable: Set<String>) {
        self.pronounceable = pronounceable
    }

    /// Counts the sentences of `text` (a cue, a line, a paragraph).
    public mutating func add(_ text: String) {
        for sentence in text.split(whereSeparator: { $0.isNewline || ".!?;".contains($0) }) {
            var run: [UInt64] = []
            let normalized = TranscriptFilter.normalize(sentence.replacingOccurrences(of: "\u{2019}", with: "'"))
            for word in normalized.split(separator: " ") {
                if let id = id(for: word) {
                    run.append(id)
                } else {
                    statistics.unknownWords += 1
                    count(run)
                    run.removeAll(keepingCapacity: true)
                }
            }
            count(run)
        }
    }

    /// The word's id, or nil when the dictionary cannot say it. Quotes around a word ('Hello')
    /// are dropped unless the dictionary has the word with them ('em, 'cause).
    private mutating func id(for word: Substring) -> UInt64? {
        var spelling = String(word)
        if !pronounceable.contains(spelling) {
            spelling = String(word.drop(while: { $0 == "'" }).reversed().drop(while: { $0 == "'" }).reversed())
            guard pronounceable.contains(spelling) else { return nil }
        }
        if let id = ids[spelling] { return id }
        let id = UInt64(words.count)
        words.append(spelling)
        ids[spelling] = id
        unigrams.append(0)
        return id
    }

    private mutating func count(_ run: [UInt64]) {
        guard !run.isEmpty else { return }
        statistics.sentences += 1
        statistics.words += run.count
        let tokens = [Self.start] + run + [Self.end]
        for index in tokens.indices {
            unigrams[Int(tokens[index])] += 1
            if index >= 1 { bigrams[Self.key(tokens[index - 1], tokens[index]), default: 0] += 1 }
            if index >= 2 { trigrams[Self.key(tokens[index - 2], tokens[index - 1], tokens[index]), default: 0] += 1 }
        }
    }

    /// The model, in ARPA text.
    public func build() throws(LanguageModelError) -> LanguageModel {
        guard statistics.words > 0 else {
            throw .emptyCorpus(
                "no word of the text (\(statistics.unknownWords) words) is in the pronunciation dictionary; "
                    + "give the builder English dialogue and cmudict's words (PronunciationDictionary(contentsOf:))"
            )
        }
        guard UInt64(words.count) <= Self.mask else {
            throw .tooManyWords("\(words.count) different words is more than the \(Self.mask) a model can hold; build it from fewer films")
        }
        let vocabulary = words.count

        // Kneser-Ney counts: the longest n-grams count occurrences; shorter ones count the
        // different words seen before them (how many contexts they continue), except n-grams that
        // start a sentence, which nothing can precede.
        var continuedBigrams: [UInt64: Int] = [:]
        continuedBigrams.reserveCapacity(bigrams.count)
        for (key, count) in bigrams where Self.first(key, of: 2) == Self.start { continuedBigrams[key] = count }
        for key in trigrams.keys { continuedBigrams[key & ((1 << (2 * Self.bits)) - 1), default: 0] += 1 }
        var continuedUnigrams = [Int](repeating: 0, count: vocabulary)
        for key in bigrams.keys { continuedUnigrams[Int(key & Self.mask)] += 1 }

        let discount1 = Self.discount(continuedUnigrams)
        let discount2 = Self.discount(continuedBigrams.values)
        let discount3 = Self.discount(trigrams.values)

        // Unigrams: discounted, the rest spread evenly over every word but <s>.
        let unigramTotal = Double(continuedUnigrams.reduce(0, +))
        let targets = Double(vocabulary - 1)
        let unigramTypes = Double(continuedUnigrams.count(where: { $0 > 0 }))
        var unigram = [Double](repeating: 0, count: vocabulary)
        for id in 1..<vocabulary {
            unigram[id] = (max(Double(continuedUnigrams[id]) - discount1, 0) + discount1 * unigramTypes / targets) / unigramTotal
        }

        // Bigrams: each context's discounted mass goes to the unigrams.
        var bigramTotals = [Double](repeating: 0, count: vocabulary)
        var bigramTypes = [Double](repeating: 0, count: vocabulary)
        for (key, count) in continuedBigrams {
            let context = Int(Self.first(key, of: 2))
            bigramTotals[context] += Double(count)
            bigramTypes[context] += 1
        }
        var bigram: [UInt64: Double] = [:]
        bigram.reserveCapacity(continuedBigrams.count)
        for (key, count) in continuedBigrams {
            let context = Int(Self.first(key, of: 2))
            let lower = unigram[Int(key & Self.mask)]
            bigram[key] = (max(Double(count) - discount2, 0) + discount2 * bigramTypes[context] * lower) / bigramTotals[context]
        }
        var unigramBackoff = [Double?](repeating: nil, count: vocabulary)
        for context in 0..<vocabulary where bigramTotals[context] > 0 {
            unigramBackoff[context] = discount2 * bigramTypes[context] / bigramTotals[context]
        }

        // Trigrams: each context's discounted mass goes to the bigrams.
        var trigramTotals: [UInt64: (total: Double, types: Double)] = [:]
        for (key, count) in trigrams {
            let context = key >> Self.bits
            trigramTotals[context, default: (0, 0)].total += Double(count)
            trigramTotals[context, default: (0, 0)].types += 1
        }
        var trigram: [UInt64: Double] = [:]
        trigram.reserveCapacity(trigrams.count)
        for (key, count) in trigrams {
            let context = trigramTotals[key >> Self.bits]!
            // A trigram's last two words were seen as a bigram, so its lower order is stored.
            let lower = bigram[key & ((1 << (2 * Self.bits)) - 1)]!
            trigram[key] = (max(Double(count) - discount3, 0) + discount3 * context.types * lower) / context.total
        }
        let bigramBackoff = trigramTotals.mapValues { discount3 * $0.types / $0.total }

        // ARPA, n-grams in the order of their words' spelling.
        var rank = [UInt64](repeating: 0, count: vocabulary)
        for (position, id) in words.indices.sorted(by: { words[$0] < words[$1] }).enumerated() { rank[id] = UInt64(position) }
        func ranked(_ key: UInt64, of order: Int) -> UInt64 {
            var result: UInt64 = 0
            for place in (0..<order).reversed() { result = result << Self.bits | rank[Int((key >> (UInt64(place) * Self.bits)) & Self.mask)] }
            return result
        }
        var text = "\\data\\\nngram 1=\(vocabulary)\nngram 2=\(bigram.count)\nngram 3=\(trigram.count)\n"
        text.reserveCapacity(40 * (vocabulary + bigram.count + trigram.count))
        text += "\n\\1-grams:\n"
        for id in words.indices.sorted(by: { rank[$0] < rank[$1] }) {
            text += id == Int(Self.start) ? "-99.000000" : Self.log10Text(unigram[id])
            text += " " + words[id]
            if let backoff = unigramBackoff[id] { text += " " + Self.log10Text(backoff) }
            text += "\n"
        }
        text += "\n\\2-grams:\n"
        for key in bigram.keys.sorted(by: { ranked($0, of: 2) < ranked($1, of: 2) }) {
            text += Self.log10Text(bigram[key]!) + " " + words[Int(key >> Self.bits)] + " " + words[Int(key & Self.mask)]
            if let backoff = bigramBackoff[key] { text += " " + Self.log10Text(backoff) }
            text += "\n"
        }
        text += "\n\\3-grams:\n"
        for key in trigram.keys.sorted(by: { ranked($0, of: 3) < ranked($1, of: 3) }) {
            text += Self.log10Text(trigram[key]!)
            text += " " + words[Int(key >> (2 * Self.bits))] + " " + words[Int((key >> Self.bits) & Self.mask)] + " " + words[Int(key & Self.mask)]
            text += "\n"
        }
        text += "\n\\end\\\n"
        return LanguageModel(arpa: text, words: Array(words.dropFirst(2)).sorted(), ngramCounts: [vocabulary, bigram.count, trigram.count])
    }

    private static func key(_ first: UInt64, _ second: UInt64) -> UInt64 { first << bits | second }
    private static func key(_ first: UInt64, _ second: UInt64, _ third: UInt64) -> UInt64 { first << (2 * bits) | second << bits | third }
    private static func first(_ key: UInt64, of order: Int) -> UInt64 { key >> (UInt64(order - 1) * bits) }

    /// Kneser and Ney's estimate from how many n-grams were seen once and twice; 0.5 when the
    /// text is too small to say.
    private static func discount(_ counts: some Sequence<Int>) -> Double {
        var once = 0
        var twice = 0
        for count in counts {
            if count == 1 { once += 1 } else if count == 2 { twice += 1 }
        }
        guard once > 0, twice > 0 else { return 0.5 }
        return min(max(Double(once) / Double(once + 2 * twice), 0.05), 0.95)
    }

    /// `log10(value)` with six decimals, as ARPA files write it (faster than `String(format:)`,
    /// which matters for a million numbers).
    static func log10Text(_ value: Double) -> String {
        let micro = Int((Foundation.log10(value) * 1_000_000).rounded())
        let magnitude = micro.magnitude
        let fraction = String(magnitude % 1_000_000)
        return (micro < 0 ? "-" : "") + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}

/// A built language model: ARPA text, ready for pocketsphinx's `-lm`.
public struct LanguageModel: Sendable {
    public var arpa: String
    /// Its words, sorted, without `<s>` and `</s>`.
    public var words: [String]
    /// How many 1-, 2- and 3-grams it holds.
    public var ngramCounts: [Int]

    /// Writes the ARPA file, and beside it the dictionary lines for the model's words only.
    public func write(
        languageModel path: String,
        dictionary dictionaryPath: String,
        from dictionary: PronunciationDictionary
    ) throws(LanguageModelError) {
        do {
            try Data(arpa.utf8).write(to: URL(fileURLWithPath: path))
            try Data(dictionary.restricted(to: words).utf8).write(to: URL(fileURLWithPath: dictionaryPath))
        } catch {
            throw .unwritable("could not write the language model to \(path) and \(dictionaryPath): \(error)")
        }
    }
}

public enum LanguageModelError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case emptyCorpus(String)
    case tooManyWords(String)
    case unwritable(String)

    public var description: String {
        switch self {
        case .unreadable(let detail): "The pronunciation dictionary cannot be read: \(detail)"
        case .emptyCorpus(let detail), .tooManyWords(let detail): "No language model can be built: \(detail)"
        case .unwritable(let detail): "The language model cannot be saved: \(detail)"
        }
    }
}
