/// What a microphone sends: 16-bit little-endian PCM at some rate and channel count.
public struct AudioFormat: Sendable, Equatable, CustomStringConvertible {
    public var sampleRate: Int
    public var channels: Int

    public init(sampleRate: Int, channels: Int = 1) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// What the detector and the recognizers hear.
    public static let speech = AudioFormat(sampleRate: 16_000, channels: 1)

    /// The formats a microphone may declare: the usual capture rates, mono or stereo.
    public static let acceptedRates = 8_000...48_000
    public static let acceptedChannels = 1...2

    public var isAccepted: Bool { Self.acceptedRates.contains(sampleRate) && Self.acceptedChannels.contains(channels) }

    public var description: String { "\(sampleRate) Hz, \(channels == 1 ? "mono" : "\(channels) channels")" }
}
