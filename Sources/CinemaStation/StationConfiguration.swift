import CinemaCore
public import CinemaHTTP
import Foundation

/// How the station listens, which backend and player it works with, and who may act on it.
/// `cinema station` fills it from its options and the configuration layers (`station.*`,
/// `backend.url`, `player.url`); tests set it directly.
public struct StationConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 3000
    /// This station's name at the backend: one live session per name, found again by it after
    /// a reload of the dashboard.
    public var name = ProcessInfo.processInfo.hostName
    /// The backend the dashboard uses, and the only one whose sessions the station starts
    /// clients for.
    public var backendURL = "http://127.0.0.1:8765"
    /// The player the clients drive.
    public var playerURL = "http://127.0.0.1:5000"
    /// The `cinema` executable clients run from: the station's own.
    public var clientExecutable = RunningExecutable.path
    /// More environment for every client, over `CINEMA_HOME` (the station's data directory).
    public var clientEnvironment: [String: String] = [:]
    /// The backend's operator token: the station asks the backend about sessions with it, and
    /// beyond loopback it guards the station's own actions (starting and stopping clients, the
    /// microphone).
    public var operatorToken: String?
    /// Whether acting needs the operator token; `nil` means "when not listening on loopback".
    public var requireOperatorToken: Bool?
    /// Host names the station answers to besides its addresses, `localhost` and the machine's
    /// own name (`CINEMA_ALLOWED_HOSTS`).
    public var allowedHosts: [String] = []
    /// The visitor's handset: lifting it starts a visit, hanging it up ends it (`station.hook`).
    public var hook: HookSource?
    /// How long the hook switch must hold a position to count (its contacts bounce).
    public var hookDebounce: Duration = .milliseconds(40)
    /// Seconds without a word after which a visit started here (by the handset or the
    /// dashboard) says goodbye and ends, for a handset left lifted (`station.silenceTimeout`);
    /// nil leaves it to the backend's idle timeout.
    public var silenceTimeout: Double?

    public init() {}

    public var isLoopback: Bool { LoopbackHost.contains(host) }

    public var operatorTokenRequired: Bool { requireOperatorToken ?? !isLoopback }

    /// Who may call: only the station's own pages act.
    public var callerPolicy: CallerPolicy { CallerPolicy(service: "station", hostNames: allowedHosts) }

    var operatorGate: OperatorGate { OperatorGate(token: operatorToken ?? "", required: operatorTokenRequired) }

    /// What every client is given: the station's data directory, then `clientEnvironment`, and
    /// the operator token when the player is elsewhere, beyond loopback (it wants the token from
    /// the clients that drive it).
    func clientSettings(home: CinemaHome) -> ClientSupervisor.Settings {
        var settings = ClientSupervisor.Settings(
            executable: clientExecutable,
            playerURL: playerURL,
            backendURL: backendURL,
            logsDirectory: home.path + "/station/logs"
        )
        settings.environment = ["CINEMA_HOME": home.path].merging(clientEnvironment) { $1 }
        if let operatorToken, let playerHost = URL(string: playerURL)?.host, !LoopbackHost.contains(playerHost) {
            settings.environment["CINEMA_PLAYER_TOKEN"] = operatorToken
        }
        return settings
    }
}
