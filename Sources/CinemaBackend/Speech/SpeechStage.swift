public import NIOCore

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
