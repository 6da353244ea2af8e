import CinemaCore
import Foundation

/// Measures the cues heard in a film's soundtrack against the film's exact subtitles: the share
/// of the reference's words that were heard (word by word, after aligning the two texts, case
/// and punctuation aside), and, for each reference line whose first word was heard as the first
/// word of a transcribed cue, how far apart the two starts are.
struct TranscriptComparison: CustomStringConvertible {
    var referenceWords = 0
    var wordsHeard = 0
    var referenceCues = 0
    var startErrors: [Double] = []

    var wordsRight: Double { referenceWords > 0 ? Double(wordsHeard) / Double(referenceWords) : 0 }

    init(reference: [Cue], heard: [Cue]) {
        let reference = Self.words(of: reference)
        let heard = Self.words(of: heard)
        referenceWords = reference.count
        referenceCues = reference.filter(\.startsCue).count
        for (left, right) in Self.align(reference.map(\.text), heard.map(\.text)) {
            wordsHeard += 1
            if reference[left].startsCue, heard[right].startsCue {
                startErrors.append(heard[right].cueStart - reference[left].cueStart)
            }
        }
    }

    init() {}

    static func + (lhs: TranscriptComparison, rhs: TranscriptComparison) -> TranscriptComparison {
        var sum = lhs
        sum.referenceWords += rhs.referenceWords
        sum.wordsHeard += rhs.wordsHeard
        sum.referenceCues += rhs.referenceCues
        sum.startErrors += rhs.startErrors
        return sum
    }

    /// The absolute start error below which `fraction` of the matched lines fall.
    func startError(percentile fraction: Double) -> Double {
        let sorted = startErrors.map(abs).sorted()
        guard !sorted.isEmpty else { return .infinity }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    var description: String {
        String(
            format: "%.1f %% of %d words heard; %d of %d lines matched, start error median %.3f s, p90 %.3f s, max %.3f s",
            100 * wordsRight,
            referenceWords,
            startErrors.count,
            referenceCues,
            startError(percentile: 0.5),
            startError(percentile: 0.9),
            startError(percentile: 1)
        )
    }

    private struct Word {
        var text: String
        var startsCue: Bool
        var cueStart: Double
    }

    private static func words(of cues: [Cue]) -> [Word] {
        cues.filter { $0.kind == .speech }.flatMap { cue in
            cue.text.split(whereSeparator: \.isWhitespace)
                .map { String($0.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "'" }) }
                .filter { !$0.isEmpty }
                .enumerated()
                .map { index, text in Word(text: text, startsCue: index == 0, cueStart: cue.start) }
        }
    }

    /// The pairs of equal words in a least-edits alignment of `a` with `b`.
    private static func align(_ a: [String], _ b: [String]) -> [(Int, Int)] {
        var cost = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { cost[i][0] = i }
        for j in 0...b.count { cost[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1, cost[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
        }
        var pairs: [(Int, Int)] = []
        var (i, j) = (a.count, b.count)
        while i > 0, j > 0 {
            if cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1) {
                if a[i - 1] == b[j - 1] { pairs.append((i - 1, j - 1)) }
                (i, j) = (i - 1, j - 1)
            } else if cost[i][j] == cost[i - 1][j] + 1 {
                i -= 1
            } else {
                j -= 1
            }
        }
        return pairs.reversed()
    }
}
