import CinemaCore
public import CinemaHTTP
public import Configuration
import Foundation

/// How the backend listens, how long sessions wait, and its limits. Read from the `backend.*`
/// keys (`CINEMA_BACKEND_PORT`, …).
public struct BackendConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 8765
    /// How devices reach this backend, when the address in their request is not the one to
    /// hand out (behind a proxy, or a name the TVs resolve): `http://brain.local:8765`.
    public var publicURL: String?
    /// A session with no visitor turn for this long says farewell and ends.
    public var idleTimeout: Double = 300
    /// A session whose device never joins ends after this long.
    public var joinTimeout: Double = 300
    /// A session whose device dropped ends unless it reconnects within this long.
    public var gracePeriod: Double = 30
    /// A clip the device never reports ended counts as ended this long after it should have.
    public var clipSlack: Double = 10
    /// How long a room token stays valid.
    public var tokenLifetime: Double = 6 * 3600
    /// How often deadlines (idle, grace, clip watchdog) are checked.
    public var tickInterval: Double = 0.25
    /// Ended sessions (and their events) older than this many days are deleted, once an hour,
    /// so that weeks of visits do not fill the disk; 0 keeps them all.
    public var retentionDays: Double = 30
    /// How often old sessions are looked for.
    public var retentionSweep: Double = 3600
    /// Request bodies over this size are refused with 413.
    public var maxBodyBytes = 1 << 20
    /// Audio frames over this size get an `error` message instead of being heard.
    public var maxAudioFrameBytes = 64 << 10
    /// Malformed messages a socket may send before it is closed with 1008.
    public var strikesBeforeClose = 5
    /// Messages waiting for a slow socket before it is dropped.
    public var outboxCapacity = 512
    /// Operator actions need the operator token; `nil` means "when not listening on loopback".
    public var requireOperatorToken: Bool?
    /// Overrides the token kept in the data directory.
    public var operatorToken: String?
    /// Web pages from these origins may call the API from a browser (the station's dashboard
    /// on another machine). `*` allows any.
    public var allowedOrigins: [String] = []
    /// The port of the station whose dashboard calls this backend from the same machine: a page
    /// on that port of the host the request addressed may call without being named.
    public var dashboardPort = 3000
    /// Host names the backend answers to besides its addresses, `localhost` and the machine's
    /// own name (`CINEMA_ALLOWED_HOSTS`).
    public var allowedHosts: [String] = []
    /// What every connection is held to: request head sizes, write deadline, the stop's grace.
    public var connectionLimits = ConnectionLimits()

    public init() {}

    public var isLoopback: Bool {
        LoopbackHost.contains(host)
    }

    public var operatorTokenRequired: Bool { requireOperatorToken ?? !isLoopback }

    /// Who may call, and from which pages. Where every call that matters needs the operator
    /// token, the token is the guard and any dashboard may ask; otherwise only the station's
    /// dashboard on this machine and the origins named.
    public var callerPolicy: CallerPolicy {
        var hosts = allowedHosts
        for url in [publicURL].compactMap({ $0 }) + allowedOrigins {
            if let host = URL(string: url)?.host { hosts.append(host) }
        }
        return CallerPolicy(
            service: "backend",
            hostNames: hosts,
            origins: .init(
                anyOrigin: operatorTokenRequired || allowedOrigins.contains("*"),
                origins: allowedOrigins,
                dashboardPort: dashboardPort
            ),
            originsSetting: "CINEMA_BACKEND_ALLOWED_ORIGINS"
        )
    }
}

extension BackendConfiguration {
    public init(reader: ConfigReader) {
        self.init()
        let backend = reader.scoped(to: "backend")
        host = backend.string(forKey: "host", default: host)
        port = backend.int(forKey: "port", default: port)
        publicURL = backend.string(forKey: "publicUrl").flatMap { $0.isEmpty ? nil : $0 }
        idleTimeout = max(1, backend.double(forKey: "idleTimeout", default: idleTimeout))
        joinTimeout = max(1, backend.double(forKey: "joinTimeout", default: joinTimeout))
        gracePeriod = max(0, backend.double(forKey: "gracePeriod", default: gracePeriod))
        clipSlack = max(0, backend.double(forKey: "clipSlack", default: clipSlack))
        tokenLifetime = max(1, backend.double(forKey: "tokenLifetime", default: tokenLifetime))
        retentionDays = max(0, backend.double(forKey: "retentionDays", default: retentionDays))
        requireOperatorToken = backend.bool(forKey: "requireOperatorToken")
        operatorToken = backend.string(forKey: "operatorToken", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        allowedOrigins = backend.list(forKey: "allowedOrigins")
        dashboardPort = backend.int(forKey: "dashboardPort", default: dashboardPort)
        allowedHosts = reader.list(forKey: "allowedHosts")
    }
}
