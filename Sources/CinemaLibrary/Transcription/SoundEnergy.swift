/// The loudness of a soundtrack in 10 ms frames (root mean square of the samples): what cutting
/// pieces at silences and finding where speech starts both look at.
struct SoundEnergy: Sendable {
    static let frameSeconds = 0.01

    /// One value per frame, 0 to 32768.
    let frames: [Double]

    init(_ samples: [Int16], sampleRate: Int) {
        let length = max(1, Int(Double(sampleRate) * Self.frameSeconds))
        frames = stride(from: 0, to: samples.count, by: length).map { first in
            let frame = samples[first..<min(first + length, samples.count)]
            let sum = frame.reduce(0.0) { $0 + Double($1) * Double($1) }
            return (sum / Double(frame.count)).squareRoot()
        }
    }

    /// The frame that holds the moment `seconds` from the start, kept within the frames.
    func frame(at seconds: Double) -> Int {
        min(max(0, Int(seconds / Self.frameSeconds)), max(0, frames.count - 1))
    }

    func seconds(atFrame frame: Int) -> Double { Double(frame) * Self.frameSeconds }
}

/// Where a piece of soundtrack ends: at the quietest moment near its intended length, so that
/// no word is heard half in one piece and half in the next.
enum PieceCut {
    /// How long a stretch is weighed at once: about a short pause between words.
    static let stretchFrames = 30

    /// The time (seconds from the start of `energy`) in the middle of the quietest stretch that
    /// lies within `earliest...latest`.
    static func quietest(in energy: SoundEnergy, from earliest: Double, to latest: Double) -> Double {
        let first = energy.frame(at: earliest)
        let last = max(first, energy.frame(at: latest) - Self.stretchFrames)
        guard last > first else { return energy.seconds(atFrame: first) }
        var sum = energy.frames[first..<(first + Self.stretchFrames)].reduce(0, +)
        var best = (sum: sum, start: first)
        for start in (first + 1)...last {
            sum += energy.frames[start + Self.stretchFrames - 1] - energy.frames[start - 1]
            if sum < best.sum { best = (sum, start) }
        }
        return energy.seconds(atFrame: best.start + Self.stretchFrames / 2)
    }
}
