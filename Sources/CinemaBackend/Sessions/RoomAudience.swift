import CinemaCore
import Foundation

/// Who is in a session's room, and what they are sent: the device (the TV) and observers (a
/// dashboard's room view).
struct RoomAudience: Sendable {
    enum Audience {
        case everyone, observers
    }

    private(set) var device: RoomConnection?
    private(set) var observers: [UUID: RoomConnection] = [:]
    /// The visitor is speaking now, as the speech stage last said.
    private(set) var speaking = false

    var connections: [RoomConnection] { [device].compactMap { $0 } + Array(observers.values) }

    /// Takes a participant in; false when it is a second device.
    mutating func admit(_ connection: RoomConnection) -> Bool {
        switch connection.role {
        case .device:
            guard device == nil else { return false }
            device = connection
        case .observer:
            observers[connection.id] = connection
        }
        return true
    }

    /// Lets a participant go; false when it was not (or no longer) in the room.
    mutating func remove(_ connection: RoomConnection) -> Bool {
        switch connection.role {
        case .device:
            guard device?.id == connection.id else { return false }
            device = nil
            return true
        case .observer:
            return observers.removeValue(forKey: connection.id) != nil
        }
    }

    /// Sends a message, encoded once, and returns the live signal it stands for, if any.
    mutating func send(_ message: ServerMessage, to audience: Audience) -> LiveSignal? {
        // Most rooms have no observers: a message for them alone is not encoded at all.
        if !observers.isEmpty || (audience == .everyone && device != nil) {
            let text = message.envelope.encoded()
            if audience == .everyone { device?.send(encoded: text) }
            for observer in observers.values { observer.send(encoded: text) }
        }
        switch message {
        case .userStartedSpeaking: speaking = true
        case .userStoppedSpeaking: speaking = false
        default: break
        }
        return LiveSignal(message)
    }

    func closeAll(reason: String) {
        for connection in connections { connection.close(reason: reason, policy: false) }
    }
}
