/// A speech-to-text service that hears a film's soundtrack and says when each word was spoken:
/// the seam between the library, which knows films, and whatever runs the model (the model
/// service on this machine, or any server that speaks OpenAI's transcription API).
public protocol SoundtrackTranscriber: Sendable {
    /// Where the service is, for messages: `http://127.0.0.1:8790/v1`.
    var location: String { get }

    /// The name of the model that will hear the films, asked of the service: also how the
    /// library learns whether anybody is there before it starts on a film.
    func model() async throws(TranscriptionError) -> String

    /// The words spoken in `wav` (16 kHz mono 16-bit PCM, `seconds` long), with times in
    /// seconds from its start, in order.
    func words(in wav: [UInt8], seconds: Double) async throws(TranscriptionError) -> [TimedWord]
}

/// One word heard in a soundtrack, and when.
public struct TimedWord: Sendable, Equatable, Codable {
    /// As the model wrote it, punctuation included: `evening.`
    public var text: String
    public var start: Double
    public var end: Double
    /// The model's confidence, 0 to 1.
    public var probability: Double

    public init(text: String, start: Double, end: Double, probability: Double = 1) {
        self.text = text
        self.start = start
        self.end = end
        self.probability = probability
    }

    /// Short keys: a film's words are kept per piece until it is done, about 800 of them a piece.
    enum CodingKeys: String, CodingKey {
        case text = "w"
        case start = "s"
        case end = "e"
        case probability = "p"
    }
}

/// Why a soundtrack could not be transcribed.
public enum TranscriptionError: Error, CustomStringConvertible, Equatable {
    /// Nobody answered at `service`: it is not running, or the address is wrong.
    case unreachable(service: String, reason: String)
    /// The service answered, but not with words: it refused the audio, its model failed, or its
    /// answer could not be read.
    case failed(service: String, reason: String)
    /// The run was stopped (Ctrl-C) while the service was hearing a piece.
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let service, let reason): "the transcription service at \(service) did not answer (\(reason))"
        case .failed(let service, let reason): "the transcription service at \(service) failed: \(reason)"
        case .cancelled: "transcription was stopped"
        }
    }
}
