public import CinemaCore
public import CinemaSpeech
public import NIOCore
import Synchronization

/// Where a room's microphone audio goes: PCM s16le, 16 kHz, mono, in frames of any length.
public protocol SpeechStage: Sendable {
    /// For `/health`: `pocketsphinx`, `whisper`, or `none`.
    var name: String { get }
    /// How the room of `station` listens.
    func settings(for station: String?) -> SpeechSettings
    /// A listener for one device socket's microphone, for as long as the socket is open.
    func listener(settings: SpeechSettings) -> any SpeechListener
    /// How visitors are heard right now.
    func status() async -> SpeechStatus
}

extension SpeechStage {
    public func status() async -> SpeechStatus { SpeechStatus(engine: name) }
}

/// Hears one socket's audio, in that socket's own task: frames never wait on another session,
/// and never on recognition, which runs beside the socket in ``recognition``.
public protocol SpeechListener: AnyObject {
    /// The device declared its microphone's format (one ``AudioFormat/isAccepted``); frames
    /// from now on are in it.
    func use(_ format: AudioFormat)
    /// Hears one frame: voice activity only, quick.
    func hear(_ frame: ByteBuffer) -> [SpeechSignal]
    /// The microphone was shut (a clip began): whatever was being said is dropped.
    func interrupt() -> [SpeechSignal]
    /// The socket closed: an utterance under way is finished and handed to recognition, which
    /// then ends.
    func finish() -> [SpeechSignal]
    /// Transcribes the utterances this listener finished, in order; nil when nothing listens.
    var recognition: (any SpeechRecognition)? { get }
}

/// Runs beside a socket: transcribes each utterance its listener hands over and delivers the
/// result, until the listener finishes.
public protocol SpeechRecognition: Sendable {
    func run(delivering deliver: @Sendable (SpeechSignal) async -> Void) async
}

/// What the speech stage noticed.
public enum SpeechSignal: Sendable, Equatable {
    case startedSpeaking
    case stoppedSpeaking
    /// A finished utterance, and how long hearing it took.
    case utterance(String, UtteranceTiming)
    /// Recognition failed; the session logs it and the operator sees it.
    case failed(String)
}

/// The first two legs of a spoken turn's time, measured where they happen.
public struct UtteranceTiming: Sendable, Equatable {
    /// The silence the detector waited for before calling the utterance over (its stop hangover):
    /// the visitor stopped speaking this long before `endedAt`.
    public var vadMilliseconds: Double
    /// The recognizer's time for the utterance.
    public var sttMilliseconds: Double
    /// When the detector called the utterance over; the turn's clock starts here, so that its
    /// total includes recognition and any wait for the recognizer.
    public var endedAt: ContinuousClock.Instant

    public init(vadMilliseconds: Double, sttMilliseconds: Double, endedAt: ContinuousClock.Instant) {
        self.vadMilliseconds = vadMilliseconds
        self.sttMilliseconds = sttMilliseconds
        self.endedAt = endedAt
    }
}

/// Hears nothing: audio is accepted, counted by the session, and dropped.
public struct NoSpeechStage: SpeechStage {
    public init() {}
    public var name: String { "none (typed turns only)" }
    public func settings(for station: String?) -> SpeechSettings { SpeechSettings() }
    public func listener(settings: SpeechSettings) -> any SpeechListener { Deaf() }

    private final class Deaf: SpeechListener {
        func use(_ format: AudioFormat) {}
        func hear(_ frame: ByteBuffer) -> [SpeechSignal] { [] }
        func interrupt() -> [SpeechSignal] { [] }
        func finish() -> [SpeechSignal] { [] }
        var recognition: (any SpeechRecognition)? { nil }
    }
}

/// The switch between a room's microphone and its speech stage: open while the visitor may be
/// heard, shut while a clip plays (the TV's own sound must not become the visitor's words) —
/// unless the station allows barge-in, when the speech stage keeps listening through clips so
/// that the visitor can interrupt one.
public final class MicrophoneGate: Sendable {
    private let isOpen = Atomic<Bool>(true)
    private let isEnded = Atomic<Bool>(false)
    public let bargeIn: Bool

    public init(bargeIn: Bool = false) {
        self.bargeIn = bargeIn
    }

    /// Not muted by a clip.
    public var open: Bool { isOpen.load(ordering: .acquiring) }

    /// Whether the speech stage should hear the frame arriving now.
    public var listening: Bool {
        if isEnded.load(ordering: .acquiring) { return false }
        return bargeIn || open
    }

    func set(open: Bool) { isOpen.store(open, ordering: .releasing) }

    func end() {
        isOpen.store(false, ordering: .releasing)
        isEnded.store(true, ordering: .releasing)
    }
}
