/// Who this station is to the dashboard: the name its sessions carry at the backend (so that a
/// reloaded dashboard finds its live session), the backend it uses unless told otherwise, the
/// player its clients drive, and how long its visits wait for a word.
public struct StationIdentity: Sendable {
    public var name: String
    public var backendURL: String
    public var playerURL: String
    /// The idle timeout the station's visits ask of the backend, if it sets one.
    public var silenceTimeout: Double?

    public init(name: String, backendURL: String, playerURL: String, silenceTimeout: Double? = nil) {
        self.name = name
        self.backendURL = backendURL
        self.playerURL = playerURL
        self.silenceTimeout = silenceTimeout
    }
}
