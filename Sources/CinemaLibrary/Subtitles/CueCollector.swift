import CinemaCore

/// Gathers the timed text blocks a format parser finds, rejects the ones with impossible timing
/// or beyond `SubtitleLimits`, cleans the text, and hands back cues sorted by start time with
/// the warnings counted.
/// Every format parser ends here, so the rules are the same whatever the file was.
struct CueCollector {
    private(set) var warnings = SubtitleWarnings()
    private var cues: [Cue] = []
    private let cleaner = CueTextCleaner()

    init(expectedCount: Int = 0) {
        cues.reserveCapacity(expectedCount)
    }

    mutating func addUnparseable() {
        warnings.unparseableTimestamps += 1
    }

    mutating func add(start: Double, end: Double, lines: [Substring], speaker: Substring? = nil) {
        if end == start {
            warnings.zeroLength += 1
            return
        }
        if end < start {
            warnings.negativeDuration += 1
            return
        }
        if SubtitleLimits.isTooShort(start: start, end: end) {
            warnings.tooShort += 1
            return
        }
        if lines.reduce(lines.count - 1, { $0 + $1.utf8.count }) > SubtitleLimits.maximumCueBytes {
            warnings.tooLong += 1
            return
        }
        guard let cleaned = cleaner.clean(lines, speaker: speaker) else {
            warnings.emptyCues += 1
            return
        }
        // Left out whatever its kind: stored, even a non-speech cue could be read back as a clip.
        if SubtitleLimits.isTooLong(text: cleaned.text, annotations: cleaned.annotations) {
            warnings.tooLong += 1
            return
        }
        cues.append(
            Cue(
                ordinal: 0,
                start: start,
                end: end,
                text: cleaned.text,
                kind: cleaned.kind,
                annotations: cleaned.annotations,
                speakerTurns: cleaned.speakerTurns
            )
        )
    }

    /// Cues in order of start time (files are not always), numbered from 0.
    func finish() -> [Cue] {
        var sorted = cues
        if !zip(sorted, sorted.dropFirst()).allSatisfy({ $0.start <= $1.start }) {
            // A stable sort keeps overlapping cues that share a start in file order.
            sorted = sorted.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        }
        for index in sorted.indices {
            sorted[index].ordinal = index
        }
        return sorted
    }
}
