/// Joins a cue with the cues that continue its sentence.
///
/// Subtitlers break long sentences over cues ("I will talk to you of art," / "for there is nothing
/// else to talk about,"). A cue continues into the next when it does not end a sentence, or ends
/// in "..." that the next picks up, and the next follows within a second.
package enum UtteranceMerger {
    package struct Piece: Equatable {
        package var start: Double
        package var end: Double
        package var text: String
        package var isSpeech: Bool
    }

    /// The longest run from `pieces[0]` that forms one sentence within `maxSpeech` seconds.
    package static func merge(_ pieces: [Piece], maxSpeech: Double, maxPause: Double = 1.0) -> Piece {
        guard var merged = pieces.first else { return Piece(start: 0, end: 0, text: "", isSpeech: false) }
        for next in pieces.dropFirst() {
            guard next.isSpeech, next.start - merged.end <= maxPause, next.end - merged.start <= maxSpeech,
                continues(merged.text, into: next.text)
            else { break }
            merged.end = max(merged.end, next.end)
            merged.text += (merged.text.contains("\n") || next.text.contains("\n") ? "\n" : " ") + next.text
        }
        return merged
    }

    /// Whether `text` is left unfinished and `next` picks it up.
    package static func continues(_ text: String, into next: String) -> Bool {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasSuffix("...") || trimmed.hasSuffix("…") {
            return next.hasPrefix("...") || next.hasPrefix("…") || startsLowercase(next)
        }
        guard let last = trimmed.unicodeScalars.last else { return false }
        return !sentenceEnders.contains(last)
    }

    package static func endsSentence(_ text: String) -> Bool {
        guard let last = text.trimmingSpaces().unicodeScalars.last else { return false }
        return sentenceEnders.contains(last)
    }

    package static func startsLowercase(_ text: String) -> Bool {
        text.unicodeScalars.first { $0.properties.isAlphabetic }?.properties.isLowercase ?? false
    }

    private static let sentenceEnders: Set<Unicode.Scalar> = [".", "?", "!", "…", "\"", "\u{201D}", "'", "\u{2019}", "\u{266A}", ")"]
}
