import Foundation

/// Decides whether a transcript is worth a turn. Recognizers hear words in noise: an empty or
/// one-letter result, or one of the phrases recognizers are known to invent from silence and
/// music, would make the TV answer nobody.
public struct TranscriptFilter: Sendable {
    /// Whole transcripts (lower-cased, without punctuation) that are not speech.
    public var hallucinations: Set<String>

    public init(hallucinations: Set<String> = Self.knownHallucinations) {
        self.hallucinations = hallucinations
    }

    /// Whisper's familiar inventions on silence, and pocketsphinx's on noise and breath.
    public static let knownHallucinations: Set<String> = [
        "you", "thank you", "thanks for watching", "thank you for watching", "thank you so much for watching",
        "please subscribe", "subscribe", "bye", "uh", "um", "hmm", "mm", "ah", "oh", "huh", "blank audio",
        "music", "applause", "laughter", "silence", "the", "a", "and", "i", "it", "is",
    ]

    /// The transcript's words, or nil when it should be dropped.
    public func accept(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let normalized = Self.normalize(trimmed)
        guard normalized.count > 1, !hallucinations.contains(normalized) else { return nil }
        return trimmed
    }

    /// Lower case, letters, digits and apostrophes only, single spaces: how words are compared.
    package static func normalize(_ text: String) -> String {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }
}
