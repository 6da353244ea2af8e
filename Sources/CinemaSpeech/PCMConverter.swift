public import CinemaCore

/// Turns a stream in another format into 16 kHz mono, chunk by chunk, as it arrives.
///
/// Channels are averaged. Lower rates are filled in by straight lines between samples; higher
/// rates are averaged over each output sample's span, which is also the low-pass filter that
/// keeps what is above 8 kHz from folding into the speech band. Plain, but enough for the
/// recognizer's 16 kHz model, and cheap: a 48 kHz stereo stream is a few multiplications per
/// sample.
public struct PCMConverter: Sendable {
    public let source: AudioFormat
    // Time is counted in integer units of 1 / (source rate × 16,000) s, so that both sample
    // grids fall on whole numbers and nothing drifts, however long the stream: an input sample
    // lasts `inputWidth` units, an output sample `outputWidth`.
    private let inputWidth = AudioFormat.speech.sampleRate
    private let outputWidth: Int
    /// Where the current input sample begins.
    private var position = 0
    /// Downsampling: where the current output span ends. Upsampling: where the next output
    /// sample sits.
    private var next: Int
    private var sum = 0.0
    private var previous: Double?
    /// Interleaved samples of a frame cut between channels.
    private var partial: [Int16] = []

    public init(from source: AudioFormat) {
        self.source = source
        outputWidth = source.sampleRate
        next = source.sampleRate >= AudioFormat.speech.sampleRate ? source.sampleRate : 0
    }

    /// Whether anything needs doing at all.
    public var isIdentity: Bool { source == .speech }

    public mutating func convert(_ interleaved: [Int16]) -> [Int16] {
        if isIdentity { return interleaved }
        let channels = max(1, source.channels)
        var output: [Int16] = []
        output.reserveCapacity(interleaved.count * inputWidth / max(1, outputWidth) / channels + 2)
        var frames = partial + interleaved
        let whole = frames.count - frames.count % channels
        partial = Array(frames[whole...])
        frames.removeLast(frames.count - whole)
        var index = 0
        while index < whole {
            var mixed = 0.0
            for channel in 0..<channels { mixed += Double(frames[index + channel]) }
            mixed /= Double(channels)
            index += channels
            if outputWidth >= inputWidth {
                downsample(mixed, into: &output)
            } else {
                upsample(mixed, into: &output)
            }
        }
        // Only differences matter: keep the numbers small.
        let shift = min(position, next)
        position -= shift
        next -= shift
        return output
    }

    /// Each output sample is the mean of the input over its span, counting the input samples it
    /// shares with its neighbours in part.
    private mutating func downsample(_ sample: Double, into output: inout [Int16]) {
        var start = position
        let end = position + inputWidth
        while end >= next {
            sum += sample * Double(next - start)
            output.append(Self.clamped(sum / Double(outputWidth)))
            sum = 0
            start = next
            next += outputWidth
        }
        sum += sample * Double(end - start)
        position = end
    }

    /// Each output sample lies on the line between the previous input sample and this one.
    private mutating func upsample(_ sample: Double, into output: inout [Int16]) {
        let before = previous ?? sample
        while next <= position {
            let fraction = 1 - Double(position - next) / Double(inputWidth)
            output.append(Self.clamped(before + (sample - before) * fraction))
            next += outputWidth
        }
        previous = sample
        position += inputWidth
    }

    private static func clamped(_ value: Double) -> Int16 {
        Int16(max(Double(Int16.min), min(Double(Int16.max), value.rounded())))
    }
}
