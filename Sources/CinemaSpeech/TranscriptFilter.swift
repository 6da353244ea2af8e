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
        "thanks for watching and see you next time", "please subscribe", "subscribe", "like and subscribe",
        "please like and subscribe", "subscribe to my channel", "see you next time", "see you in the next video",
        "bye", "bye bye", "uh", "um", "hmm", "mm", "ah", "oh", "huh", "blank audio", "music", "applause",
        "laughter", "silence", "the", "a", "and", "i", "it", "is", "subtitles by the amara org community",
    ]

    /// The transcript's words, or nil when it should be dropped.
    public func accept(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let normalized = Self.normalize(trimmed)
        guard normalized.count > 1, !hallucinations.contains(normalized) else { return nil }
        // Nobody says a web address to a TV, but Whisper writes one over hiss ("www.howl.u").
        let lowered = trimmed.lowercased()
        if lowered.contains("www.") || lowered.contains("http") || lowered.contains(".com") { return nil }
        if Self.repeats(normalized) { return nil }
        return trimmed
    }

    /// One phrase said three times or more and nothing else ("hello hello hello", "i'm going
    /// i'm going i'm going"): Whisper's loop on noise, not a visitor.
    static func repeats(_ normalized: String) -> Bool {
        let words = normalized.split(separator: " ")
        guard words.count >= 3 else { return false }
        for length in 1...(words.count / 3) where words.count % length == 0 {
            let phrase = words[0..<length]
            if stride(from: length, to: words.count, by: length).allSatisfy({ words[$0..<($0 + length)] == phrase }) { return true }
        }
        return false
    }

    /// Lower case, letters, digits and apostrophes only, single spaces: how words are compared.
    package static func normalize(_ text: String) -> String {
        let kept = text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "'" ? $0 : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }
}
