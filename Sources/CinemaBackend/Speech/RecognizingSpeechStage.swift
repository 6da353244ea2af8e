import CinemaCore
public import CinemaSpeech
import NIOCore

/// The visitor heard: voice activity detection per socket, then a recognizer for each utterance,
/// then the transcript filter. Transcripts that pass become the visitor's turns.
public struct RecognizingSpeechStage: SpeechStage {
    public let recognizer: any SpeechRecognizer
    public let catalog: SpeechSettingsCatalog
    public let filter: TranscriptFilter
    /// The pause after which a recognizer that hears whole utterances starts on one.
    public var speculationPauseSeconds = 0.3
    private let currentStatus: (@Sendable () async -> SpeechStatus)?

    /// `status` tells how visitors are heard when that can change (a supervised model service);
    /// by default it is the recognizer's name.
    public init(
        recognizer: any SpeechRecognizer,
        settings catalog: SpeechSettingsCatalog = SpeechSettingsCatalog(),
        filter: TranscriptFilter = TranscriptFilter(),
        status: (@Sendable () async -> SpeechStatus)? = nil
    ) {
        self.recognizer = recognizer
        self.catalog = catalog
        self.filter = filter
        self.currentStatus = status
    }

    public var name: String { recognizer.name }

    public func status() async -> SpeechStatus {
        await currentStatus?() ?? SpeechStatus(engine: recognizer.name)
    }

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
        let pieces: AsyncStream<Piece>.Continuation
        let recognizer: Recognition
        /// Whether the recognizer hears utterances as they grow (else each is sent whole).
        let streams: Bool
        /// How much of the utterance under way has gone to the recognizer.
        var streamed = 0
        /// Samples per piece streamed to the recognizer.
        static let piece = AudioFormat.speech.sampleRate / 10

        init(stage: RecognizingSpeechStage, settings: SpeechSettings) {
            streams = stage.recognizer is any StreamingRecognizer
            var detector = settings.detector
            // A recognizer that hears an utterance only once it is whole starts on it at the
            // visitor's first pause, while the stop hangover runs out, instead of after it.
            if !streams { detector.pauseSeconds = stage.speculationPauseSeconds }
            self.detector = VoiceActivityDetector(configuration: detector)
            let (stream, continuation) = AsyncStream.makeStream(of: Piece.self)
            pieces = continuation
            recognizer = Recognition(stage: stage, pieces: stream)
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
                // The rest in one copy: s16le is this machine's own layout (every frame, 50 a
                // second per room, went through a loop of appends before).
                let pairs = (bytes.count - index) / 2
                if pairs > 0 {
                    let first = samples.count
                    samples.append(contentsOf: repeatElement(0, count: pairs))
                    samples.withUnsafeMutableBytes { out in
                        out.baseAddress!.advanced(by: first * 2).copyMemory(from: bytes.baseAddress!.advanced(by: index), byteCount: pairs * 2)
                    }
                    #if _endian(big)
                    for position in first..<samples.count { samples[position] = Int16(littleEndian: samples[position]) }
                    #endif
                    index += pairs * 2
                }
                if index < bytes.count { carry = bytes[index] }
            }
            if !converter.isIdentity { samples = converter.convert(samples) }
            let signals = signals(for: detector.feed(samples))
            // In pieces of 0.1 s: a device that sends faster than real time (a file, a backlog
            // after a stall) must not cost the recognizer a hop per 20 ms.
            if streams && detector.isSpeaking && detector.collectedCount - streamed >= Self.piece {
                pieces.yield(.audio(Array(detector.collected(from: streamed))))
                streamed = detector.collectedCount
            }
            return signals
        }

        func interrupt() -> [SpeechSignal] {
            let wasSpeaking = detector.isSpeaking
            // A fresh detector: the floor is relearned in a few windows, and nothing half-heard
            // from before the clip is joined to what comes after it.
            detector = VoiceActivityDetector(configuration: detector.configuration)
            carry = nil
            converter = PCMConverter(from: converter.source)
            guard wasSpeaking else { return [] }
            pieces.yield(.cancel)
            return [.stoppedSpeaking]
        }

        func finish() -> [SpeechSignal] {
            let last = signals(for: detector.finish())
            pieces.finish()
            return last
        }

        private func signals(for events: [VoiceActivityDetector.Event]) -> [SpeechSignal] {
            events.compactMap { event in
                switch event {
                case .paused(let utterance):
                    pieces.yield(.paused(utterance))
                    return nil
                case .started:
                    streamed = 0
                    pieces.yield(.begin)
                    return .startedSpeaking
                case .dropped:
                    pieces.yield(.cancel)
                    return .stoppedSpeaking
                case .ended(let utterance):
                    let hangover = max(0, detector.heardSeconds - utterance.end)
                    pieces.yield(.end(Heard(utterance: utterance, hangoverSeconds: hangover, endedAt: .now)))
                    return .stoppedSpeaking
                }
            }
        }
    }

    /// An utterance heard at the visitor's pause, before the detector called it over.
    struct Speculation {
        let utterance: VoiceActivityDetector.Utterance
        let task: Task<Result<Transcript, SpeechError>, Never>

        init(utterance: VoiceActivityDetector.Utterance, recognizer: any SpeechRecognizer) {
            self.utterance = utterance
            task = Task {
                do throws(SpeechError) {
                    return .success(try await recognizer.transcribe(utterance.samples, sampleRate: AudioFormat.speech.sampleRate))
                } catch {
                    return .failure(error)
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

    /// What the listener hands to recognition, in order: an utterance begins, grows, and ends
    /// or comes to nothing.
    enum Piece: Sendable {
        case begin
        /// More of it (streaming recognizers only).
        case audio([Int16])
        /// The visitor paused: the utterance so far, to be heard in case they say no more.
        case paused(VoiceActivityDetector.Utterance)
        case end(Heard)
        case cancel
    }

    /// One socket's recognition: utterances are transcribed one after another, in order. A
    /// streaming recognizer hears each while it is spoken, so that after the stop hangover only
    /// the tail of the decoding is left; any other gets each utterance whole once it ends.
    struct Recognition: SpeechRecognition {
        let stage: RecognizingSpeechStage
        let pieces: AsyncStream<Piece>

        func run(delivering deliver: @Sendable (SpeechSignal) async -> Void) async {
            var decoding: (any UtteranceDecoding)?
            var failure: SpeechError?
            var fed = 0
            var speculation: Speculation?
            defer { speculation?.task.cancel() }
            for await piece in pieces {
                switch piece {
                case .paused(let utterance):
                    speculation?.task.cancel()
                    speculation = Speculation(utterance: utterance, recognizer: stage.recognizer)
                case .begin:
                    speculation?.task.cancel()
                    speculation = nil
                    await decoding?.cancel()
                    (decoding, failure, fed) = (nil, nil, 0)
                    guard let streaming = stage.recognizer as? any StreamingRecognizer else { continue }
                    do {
                        decoding = try await streaming.begin()
                    } catch {
                        failure = error
                    }
                case .audio(let samples):
                    guard let decoding else { continue }
                    await decoding.feed(samples)
                    fed += samples.count
                case .cancel:
                    speculation?.task.cancel()
                    speculation = nil
                    await decoding?.cancel()
                    decoding = nil
                case .end(let heard):
                    let current = decoding
                    decoding = nil
                    // The guess made at the pause holds when nothing was said after it.
                    let guess = speculation.flatMap { $0.utterance.end == heard.utterance.end ? $0 : nil }
                    if guess == nil { speculation?.task.cancel() }
                    speculation = nil
                    if let signal = await transcribe(heard, decoding: current, fed: fed, failure: failure, guess: guess) {
                        await deliver(signal)
                    }
                }
            }
            await decoding?.cancel()
        }

        /// The utterance's words as a signal, or nil when the filter drops them.
        private func transcribe(
            _ heard: Heard,
            decoding: (any UtteranceDecoding)?,
            fed: Int,
            failure: SpeechError?,
            guess: Speculation?
        ) async -> SpeechSignal? {
            let samples = heard.utterance.samples
            do {
                let transcript: Transcript
                if let guess {
                    transcript = try await guess.task.value.get()
                } else if let decoding {
                    // The utterance may be longer than what was streamed (it ended within a frame).
                    if samples.count > fed { await decoding.feed(Array(samples[fed...])) }
                    transcript = try await decoding.finish()
                } else if let failure {
                    throw failure
                } else {
                    transcript = try await stage.recognizer.transcribe(samples, sampleRate: AudioFormat.speech.sampleRate)
                }
                guard let text = stage.filter.accept(transcript.text) else { return nil }
                // From the detector calling the utterance over to its words: what the visitor
                // waits for, including any wait for a free decoder.
                let timing = UtteranceTiming(
                    vadMilliseconds: heard.hangoverSeconds * 1000,
                    sttMilliseconds: (ContinuousClock.now - heard.endedAt) / .milliseconds(1),
                    endedAt: heard.endedAt
                )
                return .utterance(text, timing)
            } catch {
                return .failed("\(stage.recognizer.name): \(error)")
            }
        }
    }
}
