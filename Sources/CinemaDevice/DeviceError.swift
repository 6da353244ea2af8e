/// Why the client could not do something, said for the person reading its log.
public enum DeviceError: Error, CustomStringConvertible, Equatable {
    /// The clip cannot be played here (no local file, no usable media URL).
    case unplayable(String)
    /// The player did not play or stop as asked.
    case player(String)
    /// The microphone could not be read.
    case microphone(String)
    /// The backend refused this device for good (bad token, unknown session).
    case refused(code: String, message: String)
    /// The room stayed unreachable for longer than the client waits.
    case gaveUp(String)

    public var description: String {
        switch self {
        case .unplayable(let detail): "The clip cannot be played: \(detail)."
        case .player(let detail): "The player failed: \(detail)"
        case .microphone(let detail): "The microphone failed: \(detail)"
        case .refused(let code, let message): "The backend refused this device (\(code)): \(message)"
        case .gaveUp(let detail): "Gave up on the room: \(detail)"
        }
    }
}
