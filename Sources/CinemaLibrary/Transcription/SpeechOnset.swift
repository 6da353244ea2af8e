/// Moves the start of a word that follows a silence to where its sound begins.
///
/// Whisper times a word by where its attention falls, and a word after a pause is often given
/// some of the silence before it: on the demo films the first word of a line started 0.12 s
/// early in the median, and up to a second early where a 30 s window began in a pause. The
/// soundtrack itself says where speech begins, so each word's start is moved to the first rise
/// of sound that ends a quiet stretch near it, when there is a clear one. Over music or a noisy
/// street there is none (speech does not stand far enough above the floor), and Whisper's time
/// stands.
enum SpeechOnset {
    /// How far before Whisper's start the sound may begin (it is seldom late, and then by little).
    static let lookBack = 0.3
    /// The quiet before an onset: shorter dips happen inside words (the closure of a "t").
    static let quietFrames = 15
    /// Frames of sound in a row that make an onset, so that a click does not.
    static let soundFrames = 3
    /// Speech must stand this far above the quietest frame near it (about 18 dB).
    static let contrast = 8.0
    /// The floor assumed in digital silence, so that the contrast asks for audible sound.
    static let minimumFloor = 30.0

    static func refine(_ words: [TimedWord], energy: SoundEnergy) -> [TimedWord] {
        var refined = words
        for index in words.indices {
            let word = words[index]
            let earliest = max(index > 0 ? words[index - 1].end : 0, word.start - lookBack)
            guard let onset = onset(in: energy, from: earliest, to: word.end), onset < word.end - 0.02 else { continue }
            refined[index].start = onset
        }
        return refined
    }

    /// The first moment in `from...to` where sound rises after at least `quietFrames` of quiet.
    static func onset(in energy: SoundEnergy, from: Double, to: Double) -> Double? {
        let first = energy.frame(at: from)
        let last = energy.frame(at: to)
        guard last - first > quietFrames + soundFrames else { return nil }
        let span = energy.frames[first...last]
        let floor = max(minimumFloor, span.min() ?? 0)
        let peak = span.max() ?? 0
        guard peak >= floor * contrast else { return nil }
        // A twentieth of the way up: the soft start of a consonant counts as sound.
        let threshold = floor + (peak - floor) / 20
        // Frames since the last sustained sound; a lone loud frame (a click) does not end the
        // quiet. The stretch before `from` is unknown, so a rise right at it is no onset.
        var quiet = 0
        for frame in first...(last - soundFrames) {
            guard energy.frames[frame..<(frame + soundFrames)].allSatisfy({ $0 >= threshold }) else {
                quiet += 1
                continue
            }
            if quiet >= quietFrames { return energy.seconds(atFrame: frame) }
            quiet = 0
        }
        return nil
    }
}
