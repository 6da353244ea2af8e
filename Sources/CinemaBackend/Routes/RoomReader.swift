import CinemaCore

/// What a room's socket reader decides about each thing that reaches it, as a value: the strikes
/// against the peer, the audio counted since the last report, whether the speech stage is
/// hearing, and whether the device's microphone format can be heard at all. `RoomController`
/// owns one per socket, feeds it every input and carries out what it returns; nothing here waits,
/// sends or touches the session, so it is tested without a socket.
struct RoomReader {
    struct Limits: Sendable, Equatable {
        /// A binary frame longer than this is dropped with an error and a strike.
        var maxAudioFrameBytes: Int
        /// Strikes (malformed messages, oversized frames, audio from an observer) before the
        /// socket is closed for breaking the protocol.
        var strikesBeforeClose: Int
        /// Frames between reports of the audio counts to the session.
        var audioReportInterval: Int
    }

    let role: RoomConnection.Role
    let limits: Limits
    private(set) var strikes = 0
    /// Audio counted since the last report.
    private(set) var audio = SessionEvent.AudioCounts()
    /// The speech stage heard the last frame: a frame it may not hear interrupts it.
    private(set) var listening = false
    /// The device declared a microphone format the room cannot hear: its audio is counted and
    /// dropped, and typed turns still work.
    private(set) var deaf = false

    init(role: RoomConnection.Role, limits: Limits) {
        self.role = role
        self.limits = limits
    }

    /// The peer has broken the rules too often: stop reading and close the socket.
    var mustClose: Bool { strikes >= limits.strikesBeforeClose }

    // MARK: Text

    /// What to do about a microphone format the device declared, before its message goes on to
    /// the session.
    enum Declaration: Equatable {
        /// Nothing to do: no format, or not from the device.
        case none
        /// Frames from now on are in this format.
        case use(AudioFormat)
        /// Tell the device its audio will not be heard.
        case unheard(AudioFormat)
    }

    /// A text message that decoded; it goes on to the session after the returned declaration.
    mutating func received(_ message: ClientMessage) -> Declaration {
        guard case .clientReady(_, _, let format?) = message, role == .device else { return .none }
        deaf = !format.isAccepted
        return deaf ? .unheard(format) : .use(format)
    }

    /// A text message that did not decode; the session tells the peer why.
    mutating func rejected(malformed: Bool) {
        if malformed { strikes += 1 }
    }

    // MARK: Audio

    enum FrameAction: Equatable {
        /// Observers send no audio: tell them so.
        case refuseObserver
        /// Over the size limit: dropped, counted as a protocol error, and the peer told.
        case refuseOversized(bytes: Int)
        /// Hand the frame to the speech stage.
        case hear
        /// Drop it (a clip is playing, or the format is unheard).
        case ignore
        /// Drop it, and interrupt what the speech stage was hearing: the microphone just shut.
        case interrupt
    }

    struct Frame: Equatable {
        var action: FrameAction
        /// Counts to report to the session now (every `audioReportInterval` frames).
        var report: SessionEvent.AudioCounts?
    }

    /// A binary frame of `bytes`, arriving while the session's microphone is `microphoneOpen`.
    mutating func frame(bytes: Int, microphoneOpen: Bool) -> Frame {
        if role == .observer {
            strikes += 1
            return Frame(action: .refuseObserver)
        }
        if bytes > limits.maxAudioFrameBytes {
            audio.oversized += 1
            strikes += 1
            return Frame(action: .refuseOversized(bytes: bytes))
        }
        audio.frames += 1
        audio.bytes += bytes
        let action: FrameAction
        if microphoneOpen && !deaf {
            listening = true
            action = .hear
        } else {
            audio.ignored += 1
            action = listening ? .interrupt : .ignore
            listening = false
        }
        return Frame(action: action, report: audio.frames == limits.audioReportInterval ? takeCounts() : nil)
    }

    // MARK: The end

    struct Closing: Equatable {
        /// The last counts, for the session.
        var report: SessionEvent.AudioCounts
        /// An utterance under way goes to recognition.
        var finishListening: Bool
        /// Close the socket as a policy violation.
        var violated: Bool
    }

    /// The socket stopped: it closed, failed, or the reader gave up on the peer.
    mutating func closed() -> Closing {
        Closing(report: takeCounts(), finishListening: listening, violated: mustClose)
    }

    private mutating func takeCounts() -> SessionEvent.AudioCounts {
        defer { audio = SessionEvent.AudioCounts() }
        return audio
    }
}
