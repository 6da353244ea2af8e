import CinemaCore
public import CinemaSpeech
import NIOCore

/// The visitor heard: voice activity detection per socket, then a recognizer for each utterance,
/// then the transcript filter. Transcripts that pass become the visitor's turns.
public struct RecognizingSpeechStage: SpeechStage {
    public let recognizer: any SpeechRecognizer
    public let catalog: SpeechSettingsCatalog
    public let filter: TranscriptFilter

    public init(
        recognizer: any SpeechRecognizer,
        settings catalog: SpeechSettingsCatalog = SpeechSettingsCatalog(),
        filter: TranscriptFilter = TranscriptFilter()
    ) {
        self.recognizer = recognizer
        self.catalog = catalog
        self.filter = filter
    }

    public var name: String { recognizer.name }

    public func settings(for station: String?) -> SpeechSettings { catalog.settings(for: station) }

    public func listener(settings: SpeechSettings) -> any SpeechListener {
        Listener(stage: self, settings: settings)
    }

    final class Listener: SpeechListener {
        var detector: VoiceActivityDetector
        /// The odd byte of a frame of odd length, waiting for its other half.
        var carry: UInt8?
        var samples: [Int16] = []
        /// From the declared format to 16 kHz mono; nothing to do unless the device said otherwise.
        var converter = PCMConverter(from: .speech)
        let utterances: AsyncStream<Heard>.Continuation
        let recognizer: Recognition

        init(stage: RecognizingSpeechStage, settings: SpeechSettings) {
            detector = VoiceActivityDetector(configuration: settings.detector)
            let (stream, continuation) = AsyncStream.makeStream(of: Heard.self)
            utterances = continuation
            recognizer = Recognition(stage: stage, utterances: stream)
        }

        var recognition: (any SpeechRecognition)? { recognizer }

        func use(_ format: AudioFormat) {
            converter = PCMConverter(from: format)
        }

        func hear(_ frame: ByteBuffer) -> [SpeechSignal] {
            samples.removeAll(keepingCapacity: true)
            frame.withUnsafeReadableBytes { bytes in
                var index = 0
                if let low = carry, !bytes.isEmpty {
                    samples.append(Int16(bitPattern: UInt16(low) | UInt16(bytes[0]) << 8))
                    carry = nil
                    index = 1
                }
                while index + 1 < bytes.count {
                    samples.append(Int16(bitPattern: UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8))
                    index += 2
                }
                if index < bytes.count { carry = bytes[index] }
            }
            if !converter.isIdentity { samples = converter.convert(samples) }
            return signals(for: detector.feed(samples))
        }

        func interrupt() -> [SpeechSignal] {
            let wasSpeaking = detector.isSpeaking
            // A fresh detector: the floor is relearned in a few windows, and nothing half-heard
            // from before the clip is joined to what comes after it.
            detector = VoiceActivityDetector(configuration: detector.configuration)
            carry = nil
            converter = PCMConverter(from: converter.source)
            return wasSpeaking ? [.stoppedSpeaking] : []
        }

        func finish() -> [SpeechSignal] {
            let last = signals(for: detector.finish())
            utterances.finish()
            return last
        }

        private func signals(for events: [VoiceActivityDetector.Event]) -> [SpeechSignal] {
            events.map { event in
                switch event {
                case .started:
                    return .startedSpeaking
                case .dropped:
                    return .stoppedSpeaking
                case .ended(let utterance):
                    let hangover = max(0, detector.heardSeconds - utterance.end)
                    utterances.yield(Heard(utterance: utterance, hangoverSeconds: hangover, endedAt: .now))
                    return .stoppedSpeaking
                }
            }
        }
    }

    /// An utterance as the detector handed it over: when, and how long after the visitor's
    /// last sound.
    struct Heard: Sendable {
        var utterance: VoiceActivityDetector.Utterance
        var hangoverSeconds: Double
        var endedAt: ContinuousClock.Instant
    }

    /// One socket's recognizer queue: utterances are transcribed one after another, in order.
    struct Recognition: SpeechRecognition {
        let stage: RecognizingSpeechStage
        let utterances: AsyncStream<Heard>

        func run(delivering deliver: @Sendable (SpeechSignal) async -> Void) async {
            for await heard in utterances {
                do {
                    let transcript = try await stage.recognizer.transcribe(heard.utterance.samples, sampleRate: AudioFormat.speech.sampleRate)
                    guard let text = stage.filter.accept(transcript.text) else { continue }
                    let timing = UtteranceTiming(
                        vadMilliseconds: heard.hangoverSeconds * 1000,
                        sttMilliseconds: transcript.seconds * 1000,
                        endedAt: heard.endedAt
                    )
                    await deliver(.utterance(text, timing))
                } catch {
                    await deliver(.failed("\(stage.recognizer.name): \(error)"))
                }
            }
        }
    }
}
