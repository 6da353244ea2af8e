import Foundation

/// A pocketsphinx pronunciation dictionary (`cmudict-en-us.dict`): one pronunciation per line,
/// the word first, alternative pronunciations marked `word(2)`.
///
/// Read to learn which words the recognizer can say at all, and to write a small dictionary with
/// only a language model's words (pocketsphinx loads all of a dictionary's words into its search).
public struct PronunciationDictionary: Sendable {
    /// Every word with at least one pronunciation, variants folded into their word.
    public var words: Set<String> { Set(lines.keys) }
    /// Each word's lines, as written, in file order.
    private var lines: [String: [Substring]]

    public init(contentsOf path: String) throws(LanguageModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable("no pronunciation dictionary at \(path). Install it with: sudo apt-get install pocketsphinx-en-us")
        }
        self.init(text: String(decoding: data, as: UTF8.self))
        guard !lines.isEmpty else {
            throw .unreadable("\(path) has no pronunciations; it should hold lines such as \"hello HH AH L OW\"")
        }
    }

    public init(text: String) {
        var lines: [String: [Substring]] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let first = line.split(separator: " ", maxSplits: 1).first, line.contains(" ") else { continue }
            lines[String(Self.stripVariant(first)), default: []].append(line)
        }
        self.lines = lines
    }

    public func contains(_ word: String) -> Bool { lines[word] != nil }

    /// The dictionary's lines for `words` (all their variants), sorted; words it lacks are left out.
    public func restricted(to words: some Sequence<String>) -> String {
        var text = ""
        for word in Set(words).sorted() {
            for line in lines[word] ?? [] {
                text += line
                text += "\n"
            }
        }
        return text
    }

    /// `don't(2)` → `don't`.
    static func stripVariant(_ token: Substring) -> Substring {
        guard token.hasSuffix(")"), let open = token.lastIndex(of: "("),
            token[token.index(after: open)..<token.index(before: token.endIndex)].allSatisfy(\.isNumber)
        else { return token }
        return token[..<open]
    }
}
