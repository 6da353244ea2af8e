import ArgumentParser
import CinemaCore
import CinemaPlayer
import Configuration
import Foundation
import NIOCore
import ServiceLifecycle
import UnixSignals

struct Player: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the TV's player: one long-lived mpv, driven over HTTP (POST /play, /stop, GET /status, /events, /health).",
        discussion: """
            mpv is started once and kept: a clip replaces the one before it, and an mpv that exits
            or is killed is started again (reported as mpv-restarted on /events). Without a display
            (no DISPLAY or WAYLAND_DISPLAY) and no --drm-device it runs headless.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on. (env: CINEMA_PLAYER_HOST; default: 127.0.0.1)", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one. (env: CINEMA_PLAYER_PORT; default: 5000)", valueName: "port"))
    var port: Int?

    @OptionGroup var playback: PlayerOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("player.host", host)
        flags.set("player.port", port)
        let context = try await global.context(flags: flags)
        let host = context.reader.string(forKey: "player.host", default: "127.0.0.1")
        let port = context.reader.int(forKey: "player.port", default: 5000)
        let systemd = SystemdSupervision.requested(status: "The player is serving.", logger: context.logger)
        let (_, services, socket) = try await playback.services(context: context, host: host, port: port, systemd: systemd) { address in
            Announcement.say("Cinema Chat player listening on \(address)")
        }
        let group = ServiceGroup(
            configuration: .command(services, systemd: systemd, logger: context.logger)
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ValidationError("Port \(port) on \(host) is already in use (another `cinema player`?). Stop it, or choose another with --port.")
        }
        try? FileManager.default.removeItem(atPath: socket)
    }
}
