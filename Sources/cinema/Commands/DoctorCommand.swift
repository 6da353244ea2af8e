import ArgumentParser
import CinemaBackend
import CinemaCore
import CinemaLibrary
import CinemaSpeech
import CinemaStation
import Configuration
import Foundation

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: tools, player, microphones, model service, library, ports, disk, clock, backend.",
        discussion: """
            Each check prints ✓ (fine), ! (runs, with less than it could) or ✗ (cannot run), what \
            it found, and the one thing to do about it. Checks run at once, each within a few \
            seconds. Exit status 0 when the installation can run (warnings allowed), 1 when a \
            check failed. Tools are found on PATH (CINEMA_FFMPEG, CINEMA_FFPROBE name others); \
            the ports are the ones the backend, station and player are configured with \
            (CINEMA_BACKEND_PORT, CINEMA_STATION_PORT, CINEMA_PLAYER_PORT); the model service's \
            weights are checked against cinema-models/weights.sha256 (CINEMA_MODELS_WEIGHTS \
            names another weights folder).
            """
    )

    @Flag(help: "Print the checks as a JSON object, with canRun.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "The backend the station uses, to check it answers from here. (env: CINEMA_BACKEND_URL; default: none, cinema up runs its own)",
            valueName: "url"
        )
    )
    var backend: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("backend.url", backend)
        let context = try await global.context(flags: flags)
        let report = await Doctor(checks: Self.checks(context)).examine()
        print(json ? try JSONOutput.encode(report) : report.text)
        if !report.canRun { throw ExitCode.failure }
    }

    /// Every check, configured as the roles would be.
    static func checks(_ context: CommandContext) -> [DoctorCheck] {
        let reader = context.reader
        let library = context.libraryConfiguration
        let backend = BackendConfiguration(reader: reader)
        let station = StationConfiguration()
        let ffmpeg = MediaToolCheck(tool: "ffmpeg", executable: library.ffmpeg, setting: "CINEMA_FFMPEG")
        let ffprobe = MediaToolCheck(tool: "ffprobe", executable: library.ffprobe, setting: "CINEMA_FFPROBE")
        let ports = [
            PortCheck(role: "backend", host: backend.host, port: backend.port, setting: "CINEMA_BACKEND_PORT (cinema up --backend-port)"),
            PortCheck(
                role: "station",
                host: reader.string(forKey: "station.host", default: station.host),
                port: reader.int(forKey: "station.port", default: station.port),
                setting: "CINEMA_STATION_PORT (cinema up --port)"
            ),
            PortCheck(
                role: "player",
                host: reader.string(forKey: "player.host", default: "127.0.0.1"),
                port: reader.int(forKey: "player.port", default: 5000),
                setting: "CINEMA_PLAYER_PORT (cinema up --player-port)"
            ),
        ]
        let models = modelCheck(context)
        let backendURL = BackendReachabilityCheck(url: reader.string(forKey: "backend.url"), defaultURL: station.backendURL)
        return [
            DoctorCheck(name: "ffmpeg", look: ffmpeg.look),
            DoctorCheck(name: "ffprobe", look: ffprobe.look),
            DoctorCheck(name: "mpv", look: PlayerOutputCheck(mpv: PlayerOptions.defaultMPV).look),
            DoctorCheck(name: "microphones", look: CaptureCheck().look),
            DoctorCheck(name: "model service", timeout: .seconds(30), look: models.look),
            DoctorCheck(name: "library", timeout: .seconds(10), look: LibraryCheck(home: context.home, configuration: library).look),
        ] + ports.map { DoctorCheck(name: "\($0.role) port", look: $0.look) } + [
            DoctorCheck(name: "disk space", look: DiskSpaceCheck(home: context.home).look),
            DoctorCheck(name: "clock", look: ClockCheck().look),
            DoctorCheck(name: "backend", look: backendURL.look),
        ]
    }

    /// The model service as `cinema serve` would run it (`CINEMA_MODELS_*`).
    static func modelCheck(_ context: CommandContext) -> ModelWeightsCheck {
        let installation = SpeechEngines.installation(context)
        var check = ModelWeightsCheck(
            installation: installation,
            model: "base",
            remoteWhisper: context.reader.string(forKey: "whisper.baseUrl")
        )
        if case .success(let installed) = installation {
            do {
                let configuration = try SpeechEngines.serviceConfiguration(installed, context: context)
                check.model = configuration.model
                check.weightsFolder = configuration.weightsFolder
            } catch {
                check.misconfigured = "\(error)"
            }
        }
        return check
    }
}
