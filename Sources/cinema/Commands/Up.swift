import ArgumentParser
import CinemaCore
import CinemaLibrary
import Configuration
import Foundation
import NIOCore
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole installation on this machine: backend, station with its dashboard, and player.",
        discussion: """
            Offline, in one process: the backend (sessions, speech with Whisper through the
            model service, or pocketsphinx without it, the director), the station (the dashboard, one supervised client per session) and the
            player (mpv; headless when there is no display). With an empty library it first makes
            the demo library in CINEMA_HOME/demo. Open the dashboard URL it prints and click
            Start Experience. Ctrl-C stops everything, clients and mpv included.
            """
    )

    @Option(help: ArgumentHelp("Address the dashboard and the backend listen on. (default: 127.0.0.1)", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The dashboard's (station's) port; 0 picks a free one. (default: 3000)", valueName: "port"))
    var port = 3000

    @Option(help: ArgumentHelp("The backend's port; 0 picks a free one. (default: 8765)", valueName: "port"))
    var backendPort = 8765

    @Option(help: ArgumentHelp("The player's port; 0 picks a free one. (default: 5000)", valueName: "port"))
    var playerPort = 5000

    @Option(
        help: ArgumentHelp(
            "How the visitor is heard: whisper (the model service on this machine), pocketsphinx or none. (env: CINEMA_SPEECH_ENGINE; default: whisper when the model service is installed, else pocketsphinx)",
            valueName: "engine"
        )
    )
    var speech: String?

    @Option(
        help: ArgumentHelp(
            "The visitor's handset, as for cinema station --hook: input:/dev/input/eventN:KEY_NAME or gpio:gpiochip0:LINE. (env: CINEMA_STATION_HOOK; default: none)",
            valueName: "switch"
        )
    )
    var hook: String?

    @Option(
        help: ArgumentHelp(
            "Seconds without a word after which a visit says goodbye and ends, as for cinema station --silence-timeout. (env: CINEMA_STATION_SILENCE_TIMEOUT; default: the backend's idle timeout)",
            valueName: "seconds"
        )
    )
    var silenceTimeout: Double?

    @OptionGroup var playback: PlayerOptions

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let speech, !(SpeechEngines.names + ["none"]).contains(speech) {
            throw ValidationError("--speech must be pocketsphinx, whisper or none, not '\(speech)'.")
        }
    }

    func run() async throws {
        // Ports are fixed before anything listens: the station hands the backend's address to
        // the dashboard and the player's to its clients.
        let backendPort = backendPort == 0 ? try Station.freePort() : backendPort
        let port = port == 0 ? try Station.freePort() : port
        let local = LoopbackHost.contains(host) ? host : "127.0.0.1"
        var flags = ConfigOverrides()
        flags.set("backend.host", host)
        flags.set("backend.port", backendPort)
        flags.set("speech.engine", speech)
        flags.set("station.host", host)
        flags.set("station.port", port)
        flags.set("station.hook", hook)
        flags.set("station.silenceTimeout", silenceTimeout)
        // The dashboard's pages may call the backend; other local pages may not.
        flags.set("backend.dashboardPort", port)
        flags.set("backend.url", ServiceAddress.http(host: local, port: backendPort))
        let context = try await global.context(flags: flags, defaultLogLevel: "notice")

        if try await context.openLibrary().statistics().spokenCues == 0 {
            Announcement.say("The library is empty: making the demo library first (once; a few minutes on a small machine).")
            try await context.makeDemoLibrary(in: context.home.demoDirectory)
            fflush(nil)  // the summary printed above, before the servers start logging
        }
        // Said once the dashboard and the backend both listen, so that the page opened works.
        let up = JointAnnouncement(
            after: 2,
            "Cinema Chat is up. Open the dashboard: \(Self.dashboardURLs(host: host, port: port))  (Ctrl-C stops everything)"
        )
        let systemd = SystemdSupervision.requested(status: "Cinema Chat is up: backend, station and player.", logger: context.logger)
        let backend = try await Serve.backend(context: context, systemd: systemd) { up.ready() }
        let (station, socket) = try await Station.services(context: context, playerPort: playerPort, playback: playback, systemd: systemd) {
            _ in
            up.ready()
        }
        // Stopped in reverse: systemd told first, then the clients, the dashboard, the player,
        // the backend.
        let group = ServiceGroup(
            configuration: .command(backend + station, systemd: systemd, logger: context.logger)
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ValidationError(
                "A port is already in use (dashboard \(port), backend \(backendPort) or player \(playerPort)): is Cinema Chat already running? Stop it, or choose others with --port, --backend-port, --player-port."
            )
        }
        if let socket { try? FileManager.default.removeItem(atPath: socket) }
        Announcement.say("Cinema Chat stopped.")
    }

    /// Where to open the dashboard: on every interface, the addresses other machines use first
    /// (a gallery's operator is rarely at the TV's own keyboard), then this machine's own.
    static func dashboardURLs(host: String, port: Int) -> String {
        guard ServiceAddress.isWildcard(host) else { return ServiceAddress.http(host: host, port: port) }
        let elsewhere = MachineAddresses.external().map { ServiceAddress.http(host: $0, port: port) }
        let here = ServiceAddress.http(host: "127.0.0.1", port: port)
        return elsewhere.isEmpty ? here : elsewhere.joined(separator: " or ") + " (on this machine: \(here))"
    }
}
