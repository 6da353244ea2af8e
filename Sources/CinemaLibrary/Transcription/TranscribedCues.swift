import CinemaCore

/// Groups the words heard in a soundtrack into cues, as a subtitler would: a cue ends with its
/// sentence, at a pause, or before it grows too long to read at once. The text then goes through
/// the subtitles' own cleaning, so that "[Music]" or "♪" from the model is kept apart from speech
/// and a cue too short to be speech is left out, exactly as for a subtitle file.
struct TranscribedCues {
    let configuration: TranscriptionConfiguration

    /// Words ending in a full stop that do not end a sentence.
    private static let abbreviations: Set<String> = ["mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "prof.", "mt."]
    /// Where a long cue is best split when no sentence ends inside it.
    private static let clauseEnders: Set<Character> = [",", ";", ":", "—"]

    func cues(from words: [TimedWord]) -> [Cue] {
        var collector = CueCollector(expectedCount: words.count / 6)
        for group in groups(words) {
            let text = group.dropFirst().reduce(group[0].text) { $0 + (Self.attaches($1.text) ? "" : " ") + $1.text }
            collector.add(start: group[0].start, end: group[group.count - 1].end, lines: [Substring(text)])
        }
        return collector.finish()
    }

    func groups(_ words: [TimedWord]) -> [[TimedWord]] {
        var groups: [[TimedWord]] = []
        var current: [TimedWord] = []
        var characters = 0
        for word in words {
            let text = word.text.trimmingSpaces()
            guard !text.isEmpty else { continue }
            var word = word
            word.text = text
            if let last = current.last {
                if word.start - last.end >= configuration.cuePause || endsSentence(last.text) {
                    groups.append(current)
                    current = []
                    characters = 0
                } else if word.end - current[0].start > configuration.maximumCueSeconds
                    || characters + 1 + text.count > configuration.maximumCueCharacters
                {
                    // Too long to read at once: end the cue after its last clause, or here.
                    let split = current.dropLast().lastIndex { $0.text.last.map(Self.clauseEnders.contains) ?? false }.map { $0 + 1 } ?? current.count
                    groups.append(Array(current[..<split]))
                    current = Array(current[split...])
                    characters = current.isEmpty ? 0 : current.reduce(-1) { $0 + 1 + $1.text.count }
                }
            }
            characters += (current.isEmpty ? 0 : 1) + text.count
            current.append(word)
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    /// Whisper splits words at spaces and hands a hyphenated word's second half, or a clitic,
    /// over as a word of its own ("world" "-renowned", "Harry" "'s"): it belongs to the word before.
    static func attaches(_ word: String) -> Bool {
        if word.count > 1, word.hasPrefix("-"), word.dropFirst().first?.isLetter == true { return true }
        let lowered = String(word.lowercased().map { $0 == "’" ? "'" : $0 })
        return clitics.contains { lowered == $0 || (lowered.hasPrefix($0) && lowered.dropFirst($0.count).allSatisfy(\.isPunctuation)) }
    }

    private static let clitics = ["'s", "'re", "'ll", "'ve", "'d", "'m", "n't"]

    private func endsSentence(_ text: String) -> Bool {
        UtteranceMerger.endsSentence(text) && !Self.abbreviations.contains(text.lowercased())
    }
}
