import Logging
import Synchronization

/// Whisper first; when it cannot answer (the model service restarting, hung, or without its
/// weights), the utterance is heard by the fallback instead, so that the visitor still gets a
/// turn. The switch is logged once each way, not at every utterance.
public final class FallbackRecognizer: SpeechRecognizer {
    public let primary: any SpeechRecognizer
    public let fallback: any SpeechRecognizer
    private let fallingBack = Atomic<Bool>(false)
    private let logger: Logger

    public init(primary: any SpeechRecognizer, fallback: any SpeechRecognizer, logger: Logger = Logger(label: "cinema.speech")) {
        self.primary = primary
        self.fallback = fallback
        self.logger = logger
    }

    public var name: String { primary.name }

    public func transcribe(_ samples: [Int16], sampleRate: Int) async throws(SpeechError) -> Transcript {
        do {
            let transcript = try await primary.transcribe(samples, sampleRate: sampleRate)
            if fallingBack.exchange(false, ordering: .acquiringAndReleasing) {
                logger.notice("\(primary.name) hears visitors again.")
            }
            return transcript
        } catch {
            if !fallingBack.exchange(true, ordering: .acquiringAndReleasing) {
                logger.warning("\(primary.name) failed (\(error)); hearing visitors with \(fallback.name) until it is back.")
            }
            var transcript = try await fallback.transcribe(samples, sampleRate: sampleRate)
            transcript.engine = fallback.name
            return transcript
        }
    }
}
