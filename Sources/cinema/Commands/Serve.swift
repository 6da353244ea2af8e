import ArgumentParser
import CinemaBackend
import CinemaCore
import CinemaDirector
import CinemaLibrary
import CinemaSpeech
import Configuration
import Foundation
import NIOCore
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the backend: sessions, rooms over WebSocket, the status API and metrics.",
        discussion: """
            Devices join rooms at ws://HOST:PORT/rooms/ID with the token from POST /api/connect;
            the dashboard and operators use the HTTP API (see PROTOCOL.md). Sessions and their
            events are kept in CINEMA_HOME/backend.sqlite. Ctrl-C (or SIGTERM) ends live sessions
            with reason "shutdown" and stops. When listening beyond loopback, operator actions need
            the token in CINEMA_HOME/operator-token.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on. (env: CINEMA_BACKEND_HOST; default: 127.0.0.1)", valueName: "address"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one. (env: CINEMA_BACKEND_PORT; default: 8765)", valueName: "port"))
    var port: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds without a visitor turn before a session says goodbye. (env: CINEMA_BACKEND_IDLE_TIMEOUT; default: 300)",
            valueName: "s"
        )
    )
    var idleTimeout: Double?

    @Option(help: ArgumentHelp("retrieval, openai or anthropic. (env: CINEMA_DIRECTOR_KIND; default: retrieval)", valueName: "name"))
    var director: String?

    @Option(
        help: ArgumentHelp(
            "How the visitor is heard: whisper (the model service on this machine, or CINEMA_WHISPER_BASE_URL), pocketsphinx or none (typed turns only). (env: CINEMA_SPEECH_ENGINE; default: whisper when the model service is installed, else pocketsphinx)",
            valueName: "engine"
        )
    )
    var speech: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let speech, !(SpeechEngines.names + ["none"]).contains(speech) {
            throw ValidationError("--speech must be pocketsphinx, whisper or none, not '\(speech)'.")
        }
    }

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("backend.host", host)
        flags.set("backend.port", port)
        flags.set("backend.idleTimeout", idleTimeout)
        flags.set("director.kind", director)
        flags.set("speech.engine", speech)
        let context = try await global.context(flags: flags)
        let systemd = SystemdSupervision.requested(status: "The backend is serving.", logger: context.logger)
        let services = try await Self.backend(context: context, systemd: systemd)
        let group = ServiceGroup(configuration: .command(services, systemd: systemd, logger: context.logger))
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            let configuration = BackendConfiguration(reader: context.reader)
            throw ValidationError(
                "Port \(configuration.port) on \(configuration.host) is already in use (another `cinema serve`?). Stop it, or choose another with --port."
            )
        }
    }

    /// The backend as configured in `context` (`backend.*`, `speech.*`, `director.*`), its
    /// library, speech and director ready, as services to run: the model service it hears
    /// with, if any, then the backend, which listens once the model service is ready and
    /// announces itself then (and to `systemd`, when it supervises the command). `cinema up`
    /// runs them beside the station.
    static func backend(
        context: CommandContext,
        systemd: SystemdSupervision? = nil,
        onListening: @escaping @Sendable () -> Void = {}
    ) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let engine = context.reader.string(forKey: "speech.engine")
        let library = try await context.openSpokenLibrary()
        let speechSettings: SpeechSettingsCatalog
        do {
            speechSettings = try SpeechSettingsCatalog(reader: context.reader)
        } catch {
            throw ValidationError(error.description)
        }
        let speechStage: any SpeechStage
        var modelService: ModelService?
        if engine == "none" {
            speechStage = NoSpeechStage()
        } else {
            let prepared: SpeechEngines.Prepared
            do {
                prepared = try await SpeechEngines.prepare(engine, context: context, library: library)
            } catch {
                throw ValidationError("\(error) Or start with --speech none for typed turns only.")
            }
            speechStage = RecognizingSpeechStage(recognizer: prepared.recognizer, settings: speechSettings, status: prepared.status)
            if let note = prepared.note { Announcement.say(note) }
            if let service = prepared.modelService {
                modelService = service
                Announcement.say(
                    "Hearing visitors with Whisper \(service.configuration.model) through the model service (\(service.configuration.installation.folder); log: \(service.configuration.logPath ?? "none")); pocketsphinx stands in while it starts or restarts."
                )
            }
        }
        // The visitor's words are embedded by the configured server, else by the model service
        // that hears them, once it is ready.
        let embedder: (any LineEmbedder)? =
            DirectorMeaning.configuredEmbedder(context)
            ?? modelService.map { RunningServiceEmbedder(service: $0, model: EmbeddingService.model(context)) }
        let director = try await context.director(over: library, embedder: embedder)
        let configuration = BackendConfiguration(reader: context.reader)
        let listening = systemd?.server(host: configuration.host)
        let backend = try await buildBackend(
            configuration: configuration,
            home: context.home,
            library: library,
            director: director,
            speech: speechStage,
            logger: context.logger,
            onServerRunning: { port in
                Announcement.say(
                    "Cinema Chat backend listening on \(ServiceAddress.http(host: configuration.host, port: port)) (director: \(director.name), speech: \(speechStage.name), data: \(context.home.path))"
                )
                listening?(port)
                onListening()
            }
        )
        if backend.operatorTokenIsNew || configuration.operatorTokenRequired {
            Announcement.say("Operator token (kept in \(context.home.path)/operator-token): \(backend.operatorToken)")
        }
        guard let modelService else { return [.init(service: backend)] }
        return [
            .init(service: ModelServiceRunner(service: modelService)),
            .init(service: StartsAfterModelService(service: backend, models: modelService)),
        ]
    }

}
