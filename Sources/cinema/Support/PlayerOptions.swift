import ArgumentParser
import CinemaCore
import CinemaPlayer
import Foundation
import Logging
import ServiceLifecycle

/// How the TV's mpv is run: shared by `cinema player` and the station that hosts the player.
struct PlayerOptions: ParsableArguments {
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
    var mpv = PlayerOptions.defaultMPV

    /// Debian's mpv, which `script/bootstrap` installs.
    static let defaultMPV = "/usr/bin/mpv"

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

    /// The player and the services that run it (mpv and its HTTP API on `host:port`); `socket`
    /// is mpv's IPC socket, for the caller to remove at the end.
    func services(
        context: CommandContext,
        host: String,
        port: Int,
        systemd: SystemdSupervision? = nil,
        announce: @escaping @Sendable (String) -> Void
    ) async throws -> (player: PlayerService, services: [ServiceGroupConfiguration.ServiceConfiguration], socket: String) {
        var options = MPVController.Options()
        options.executable = mpv
        let environment = ProcessInfo.processInfo.environment
        let display = environment["DISPLAY"] != nil || environment["WAYLAND_DISPLAY"] != nil
        options.headless = headless || (!display && drmDevice == nil)
        if fullscreen { options.arguments.append("--fullscreen") }
        if let drmDevice { options.arguments += ["--vo=drm", "--drm-device=\(drmDevice)"] }
        if let audioDevice { options.arguments.append("--audio-device=\(audioDevice)") }
        let socket = PlayerService.socketPath()
        let idleScreen: IdleScreen
        switch idle {
        case "black": idleScreen = .black
        case "static": idleScreen = try await IdleScreen.staticNoise(cachedAt: context.home.path + "/player/static.mp4")
        default: idleScreen = .image(idle)
        }
        let player = PlayerService(options: options, socketPath: socket, idleScreen: idleScreen, logger: context.logger)
        let mode = options.headless ? "headless" : (drmDevice.map { "on \($0)" } ?? "on the display")
        let gate = try context.operatorGate(service: "player", listeningOn: host, guarding: "playing clips and showing what the TV shows")
        let app = buildPlayer(
            player,
            host: host,
            port: port,
            policy: context.callerPolicy(service: "player"),
            gate: gate,
            logger: context.logger
        ) { [listening = systemd?.server(host: host)] port in
            announce("\(ServiceAddress.http(host: host, port: port)) (mpv \(mode))")
            listening?(port)
        }
        return (player, [.init(service: PlayerRunner(player: player)), .init(service: app)], socket)
    }
}
