/// Turns one utterance into words. Implementations: ``WhisperRecognizer`` (the model service or
/// any OpenAI-compatible transcription server; the default when the service is installed),
/// ``PocketSphinxRecognizer`` (offline, small) and ``FallbackRecognizer`` (one, else the other).
public protocol SpeechRecognizer: Sendable {
    /// A short name for logs and reports: `pocketsphinx`, `whisper`.
    var name: String { get }

    /// What was said in `samples` (16-bit mono PCM at `sampleRate`).
    func transcribe(_ samples: [Int16], sampleRate: Int) async throws(SpeechError) -> Transcript
}

public struct Transcript: Sendable, Equatable {
    public var text: String
    /// Seconds the recognizer took.
    public var seconds: Double
    /// Seconds of audio it heard.
    public var audioSeconds: Double
    /// The recognizer that heard it when it was not the one asked (``FallbackRecognizer``).
    public var engine: String?

    public init(text: String, seconds: Double, audioSeconds: Double, engine: String? = nil) {
        self.text = text
        self.seconds = seconds
        self.audioSeconds = audioSeconds
        self.engine = engine
    }

    /// Recognition time per second of audio.
    public var realTimeFactor: Double { audioSeconds > 0 ? seconds / audioSeconds : 0 }
}

public enum SpeechError: Error, CustomStringConvertible, Equatable {
    case modelMissing(String)
    case decoderFailed(String)
    case unsupportedAudio(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case .modelMissing(let detail): "The speech model is missing: \(detail)"
        case .decoderFailed(let detail): "Speech recognition failed: \(detail)"
        case .unsupportedAudio(let detail): "The audio cannot be transcribed: \(detail)"
        case .unavailable(let detail): "The speech recognizer is unavailable: \(detail)"
        }
    }
}

/// A recognizer that can hear an utterance while it is being spoken, so that little is left to
/// do once the visitor stops: the wait after the stop hangover is the tail of the decoding,
/// not all of it.
public protocol StreamingRecognizer: SpeechRecognizer {
    /// Starts an utterance (16 kHz mono), waiting for a free decoder if all are busy.
    func begin() async throws(SpeechError) -> any UtteranceDecoding
}

/// One utterance being decoded. Used by one task at a time, in order: `feed`… then `finish`
/// or `cancel`, exactly once; either gives the decoder back.
public protocol UtteranceDecoding: Sendable {
    /// More of the utterance. A failure is kept and thrown by `finish`.
    func feed(_ samples: [Int16]) async
    /// The utterance is over: what was said.
    func finish() async throws(SpeechError) -> Transcript
    /// The utterance came to nothing (too short, or interrupted).
    func cancel() async
}
