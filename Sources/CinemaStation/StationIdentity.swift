/// Who this station is to the dashboard: the name its sessions carry at the backend (so that a
/// reloaded dashboard finds its live session), the backend it uses unless told otherwise, and
/// the player its clients drive.
public struct StationIdentity: Sendable {
    public var name: String
    public var backendURL: String
    public var playerURL: String

    public init(name: String, backendURL: String, playerURL: String) {
        self.name = name
        self.backendURL = backendURL
        self.playerURL = playerURL
    }
}
