import CinemaCore

/// What a session's live feed carries: its events, and signals too brief for the log.
enum SessionFeedItem: Sendable {
    case event(SessionEvent)
    case signal(LiveSignal)
}

/// A state of the room that changes by the second and is not history: the dashboard's lights.
/// A feed gets the current ones when it starts, then each change.
struct LiveSignal: Sendable, Equatable {
    /// The SSE event name.
    var name: String
    var data: JSONValue

    init(name: String, data: JSONValue) {
        self.name = name
        self.data = data
    }

    static func speaking(_ speaking: Bool) -> LiveSignal {
        LiveSignal(name: "visitor-speaking", data: .object(["speaking": .bool(speaking)]))
    }

    static func microphone(muted: Bool) -> LiveSignal {
        LiveSignal(name: "microphone", data: .object(["muted": .bool(muted)]))
    }

    /// The signal a room message stands for, if any.
    init?(_ message: ServerMessage) {
        switch message {
        case .userStartedSpeaking: self = .speaking(true)
        case .userStoppedSpeaking: self = .speaking(false)
        case .userMuteStarted: self = .microphone(muted: true)
        case .userMuteStopped: self = .microphone(muted: false)
        default: return nil
        }
    }
}
