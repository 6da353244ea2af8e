import ArgumentParser
import CinemaCore
import CinemaHTTP
import CinemaStation
import Configuration
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

struct Station: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the TV box's station: one supervised client per session, and the player (unless --player-url is elsewhere).",
        discussion: """
            POST /api/start_pi_client starts `cinema client` for a session (this same executable,
            never through a shell), logs it to CINEMA_HOME/station/logs, and starts it again with
            backoff if it fails while its session lives. Clients are recorded in station.sqlite;
            at start, clients an earlier station left running are stopped; SIGTERM or Ctrl-C stops
            them all. The microphone chosen with POST /api/audio-device is kept there too.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on. (env: CINEMA_STATION_HOST; default: 127.0.0.1)", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one. (env: CINEMA_STATION_PORT; default: 3000)", valueName: "port"))
    var port: Int?

    @Option(
        name: .customLong("player-url"),
        help: ArgumentHelp("A player running elsewhere; without it the station runs the player itself. (env: CINEMA_PLAYER_URL)", valueName: "url")
    )
    var playerURL: String?

    @Option(help: ArgumentHelp("The port of the player the station runs; 0 picks a free one. (default: 5000)", valueName: "port"))
    var playerPort: Int = 5000

    @Option(
        name: .customLong("backend-url"),
        help: ArgumentHelp(
            "The backend the dashboard uses, and the only one whose sessions the station starts clients for. (env: CINEMA_BACKEND_URL; default: http://127.0.0.1:8765)",
            valueName: "url"
        )
    )
    var backendURL: String?

    @Option(
        help: ArgumentHelp(
            "This station's name at the backend: one live session per name. (env: CINEMA_STATION_NAME; default: the host name)",
            valueName: "name"
        )
    )
    var name: String?

    @Option(
        help: ArgumentHelp(
            "The visitor's handset: lifting it starts a visit, hanging it up ends it. input:/dev/input/eventN:KEY_NAME or gpio:gpiochip0:LINE, :inverted at the end if the switch closes when the handset rests. (env: CINEMA_STATION_HOOK; default: none)",
            valueName: "switch"
        )
    )
    var hook: String?

    @Option(
        help: ArgumentHelp(
            "Seconds without a word after which a visit started here says goodbye and ends, for a handset left lifted. (env: CINEMA_STATION_SILENCE_TIMEOUT; default: the backend's idle timeout)",
            valueName: "seconds"
        )
    )
    var silenceTimeout: Double?

    @OptionGroup var playback: PlayerOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("station.host", host)
        flags.set("station.port", port)
        flags.set("player.url", playerURL)
        flags.set("backend.url", backendURL)
        flags.set("station.name", name)
        flags.set("station.hook", hook)
        flags.set("station.silenceTimeout", silenceTimeout)
        let context = try await global.context(flags: flags, defaultLogLevel: "notice")
        let systemd = SystemdSupervision.requested(status: "The station is serving.", logger: context.logger)
        let (services, socket) = try await Self.services(context: context, playerPort: playerPort, playback: playback, systemd: systemd)
        let group = ServiceGroup(
            configuration: .command(services, systemd: systemd, logger: context.logger)
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            let port = context.reader.int(forKey: "station.port", default: 3000)
            throw ValidationError(
                "A port is already in use (station \(port) or player \(playerPort)). Stop what holds it, or choose others with --port or --player-port."
            )
        }
        if let socket { try? FileManager.default.removeItem(atPath: socket) }
    }

    /// The station as configured in `context` (`station.*`, `player.url`, `backend.url`), as
    /// services to run: unless the player is elsewhere, the player it hosts (first, so that it
    /// stops last, after the clients), then the station; and mpv's socket, if it hosts one. Each
    /// server tells `systemd`, when it supervises the command, once it listens.
    static func services(
        context: CommandContext,
        playerPort: Int,
        playback: PlayerOptions,
        systemd: SystemdSupervision? = nil,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws -> (services: [ServiceGroupConfiguration.ServiceConfiguration], socket: String?) {
        let reader = context.reader
        var configuration = StationConfiguration()
        configuration.host = reader.string(forKey: "station.host", default: configuration.host)
        configuration.port = reader.int(forKey: "station.port", default: configuration.port)
        configuration.backendURL = reader.string(forKey: "backend.url", default: configuration.backendURL)
        try Self.requireHTTP(configuration.backendURL, option: "--backend-url")
        configuration.name = reader.string(forKey: "station.name") ?? configuration.name
        configuration.allowedHosts = reader.list(forKey: "allowedHosts")
        if let hook = reader.string(forKey: "station.hook"), !hook.isEmpty {
            do {
                configuration.hook = try HookSource(hook)
            } catch {
                throw ValidationError("\(error.description) (--hook or CINEMA_STATION_HOOK)")
            }
        }
        configuration.hookDebounce = .milliseconds(reader.int(forKey: "station.hookDebounceMilliseconds", default: 40))
        if let silence = reader.double(forKey: "station.silenceTimeout") {
            guard SessionEvent.Created.idleTimeouts.contains(silence) else {
                throw ValidationError(
                    "A silence timeout of \(silence) s is not one the backend takes: give 1 to 86400 seconds (--silence-timeout or CINEMA_STATION_SILENCE_TIMEOUT)."
                )
            }
            configuration.silenceTimeout = silence
        }
        configuration.operatorToken = context.operatorToken
        configuration.requireOperatorToken =
            try context.operatorGate(service: "station", listeningOn: configuration.host, guarding: "starting clients and choosing the microphone")
            .required

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var socket: String?
        if let elsewhere = reader.string(forKey: "player.url"), !elsewhere.isEmpty {
            try Self.requireHTTP(elsewhere, option: "--player-url")
            configuration.playerURL = elsewhere
        } else {
            // The player's port is known only once it listens when it is 0; clients need it first.
            let playerPort = playerPort == 0 ? try Self.freePort() : playerPort
            let hosted = try await playback.services(context: context, host: "127.0.0.1", port: playerPort, systemd: systemd) { address in
                // Not "listening on": that line is the station's own, which scripts wait for.
                Announcement.say("Cinema Chat player, run by the station, at \(address)")
            }
            services += hosted.services
            socket = hosted.socket
            configuration.playerURL = "http://127.0.0.1:\(playerPort)"
        }
        let listening = systemd?.server(host: configuration.host)
        let station = try await buildApplication(configuration: configuration, home: context.home, logger: context.logger) {
            [configuration] port in
            Announcement.say(
                "Cinema Chat station listening on \(ServiceAddress.http(host: configuration.host, port: port)) (player \(configuration.playerURL), backend \(configuration.backendURL))"
            )
            listening?(port)
            onListening(port)
        }
        return (services + [.init(service: station)], socket)
    }

    /// The backend and the player are reached over HTTP: anything else is refused at start.
    private static func requireHTTP(_ text: String, option: String) throws {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("\(option) must be an http:// URL with a host, not '\(text)'.")
        }
    }

    /// A port nothing listens on now.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ValidationError("Could not find a free port (errno \(errno)).") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw ValidationError("Could not find a free port (errno \(errno)).") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
