public import NIOCore
import Synchronization

/// Where a room's microphone audio goes: PCM s16le, 16 kHz, mono, in frames of any length.
/// The speech issue fills this in with VAD and speech-to-text; until then audio is counted and
/// dropped, and typed turns carry the conversation.
public protocol SpeechStage: Sendable {
    /// For `/health`: `pocketsphinx`, `whisper`, or `none`.
    var name: String { get }
    /// Hears one frame of a session's audio and says what, if anything, it made of it.
    func hear(_ frame: ByteBuffer, session: String) async -> [SpeechSignal]
}

/// What the speech stage noticed.
public enum SpeechSignal: Sendable, Equatable {
    case startedSpeaking
    case stoppedSpeaking
    /// A finished utterance, with the time voice detection and recognition took.
    case utterance(String, vadMilliseconds: Double, sttMilliseconds: Double)
}

/// Hears nothing: audio is accepted, counted by the session, and dropped.
public struct NoSpeechStage: SpeechStage {
    public init() {}
    public var name: String { "none (typed turns only)" }
    public func hear(_ frame: ByteBuffer, session: String) async -> [SpeechSignal] { [] }
}

/// The switch between a room's microphone and its speech stage: open while the visitor may be
/// heard, shut while a clip plays (the TV's own sound must not become the visitor's words).
public final class MicrophoneGate: Sendable {
    private let isOpen = Atomic<Bool>(true)

    public init() {}

    public var open: Bool { isOpen.load(ordering: .acquiring) }

    func set(open: Bool) { isOpen.store(open, ordering: .releasing) }
}
