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

    @Flag(help: "No picture and no sound (tests, servers without a display).")
    var headless = false

    @Flag(help: "Fill the screen.")
    var fullscreen = false

    @Option(help: ArgumentHelp("Draw straight to this DRM device (a TV without a desktop), e.g. /dev/dri/card0.", valueName: "path"))
    var drmDevice: String?

    @Option(help: ArgumentHelp("mpv's audio device, e.g. alsa/plughw:1,0.", valueName: "name"))
    var audioDevice: String?

    @Option(
        help: ArgumentHelp("Between clips: static (TV static with hiss, made once with ffmpeg), black, or the path of an image.", valueName: "screen")
    )
    var idle = "static"

    @Option(help: ArgumentHelp("The mpv executable.", valueName: "path"))
    var mpv = "/usr/bin/mpv"

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard FileManager.default.isExecutableFile(atPath: mpv) else {
            throw ValidationError("There is no mpv at \(mpv). Install it with: sudo apt-get install mpv (or give --mpv PATH).")
        }
        if !["static", "black"].contains(idle) && !(idle.hasPrefix("/") && FileManager.default.fileExists(atPath: idle)) {
            throw ValidationError("--idle must be static, black, or the absolute path of an image that exists, not '\(idle)'.")
        }
        if let drmDevice, !drmDevice.hasPrefix("/dev/") {
            throw ValidationError("--drm-device must be a device under /dev, not '\(drmDevice)'.")
        }
    }

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("player.host", host)
        flags.set("player.port", port)
        let context = try await global.context(flags: flags)
        let host = context.reader.string(forKey: "player.host", default: "127.0.0.1")
        let port = context.reader.int(forKey: "player.port", default: 5000)
        var options = MPVController.Options()
        options.executable = mpv
        let environment = ProcessInfo.processInfo.environment
        let display = environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil
        options.headless = headless || (!display && drmDevice == nil)
        if fullscreen { options.arguments.append("--fullscreen") }
        if let drmDevice { options.arguments += ["--vo=drm", "--drm-device=\(drmDevice)"] }
        if let audioDevice { options.arguments.append("--audio-device=\(audioDevice)") }
        let socket = FileManager.default.temporaryDirectory.path + "/cinema-mpv-\(getpid()).sock"
        let idleScreen: IdleScreen
        switch idle {
        case "black": idleScreen = .black
        case "static": idleScreen = try await IdleScreen.staticNoise(cachedAt: context.home.path + "/player/static.mp4")
        default: idleScreen = .image(idle)
        }
        let player = PlayerService(options: options, socketPath: socket, idleScreen: idleScreen, logger: context.logger)
        let mode = options.headless ? "headless" : (drmDevice.map { "on \($0)" } ?? "on the display")
        let app = buildPlayer(player, host: host, port: port, logger: context.logger) { port in
            FileHandle.standardOutput.write(Data("Cinema Chat player listening on http://\(host):\(port) (mpv \(mode))\n".utf8))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: PlayerRunner(player: player)), .init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: context.logger
            )
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ValidationError("Port \(port) on \(host) is already in use (another `cinema player`?). Stop it, or choose another with --port.")
        }
        try? FileManager.default.removeItem(atPath: socket)
    }
}
