public import CinemaCore
public import CinemaDirector
import CinemaHTTP
public import CinemaLibrary
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
public import Logging
public import ServiceLifecycle

/// The backend (`cinema serve`): the HTTP API, the rooms and the session engine, run as one
/// service. `cinema serve` and the tests both build it with `buildBackend`.
public struct Backend: Service {
    /// The token operator actions need when the backend is not on loopback.
    public let operatorToken: String
    /// True when this start created the operator token (show it once).
    public let operatorTokenIsNew: Bool
    public let databasePath: String
    let application: any ApplicationProtocol
    let engine: SessionEngine
    let logger: Logger

    /// Runs until graceful shutdown. The engine is told first, so that every live session says
    /// `session-ended` (reason `shutdown`) over sockets that are still open; then the server
    /// stops.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(
                        service: application,
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup
                    ),
                    .init(
                        service: engine,
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// Builds the backend over `library` with `director`, keeping its state in `home`.
/// `onServerRunning` receives the port it listens on (useful with port 0).
public func buildBackend(
    configuration: BackendConfiguration,
    home: CinemaHome,
    library: LibraryDatabase,
    director: any Director,
    speech: any SpeechStage = NoSpeechStage(),
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> Backend {
    do {
        try home.prepare()
    } catch {
        throw BackendSetupError.home(path: home.path, reason: error.description)
    }
    let secrets = try BackendSecrets.load(from: home.path)
    let store = try BackendDatabase.open(path: home.path + "/" + BackendDatabase.fileName)
    let metrics = BackendMetrics()
    let services = SessionServices(
        store: store,
        director: director,
        library: library,
        configuration: configuration,
        metrics: metrics,
        speech: speech,
        work: SessionWork(),
        logger: logger
    )
    let engine = SessionEngine(services: services, signer: RoomTokenSigner(secret: secrets.signingKey))
    try await engine.restore(now: Date())
    await engine.deleteOldSessions(now: Date())
    let gate = OperatorGate(token: configuration.operatorToken ?? secrets.operatorToken, required: configuration.operatorTokenRequired)

    let router = buildRouter(
        engine: engine,
        library: library,
        director: director.name,
        speech: speech,
        gate: gate,
        configuration: configuration
    )
    let rooms = Router(context: BackendRequestContext.self)
    rooms.add(middleware: CallerPolicyMiddleware(policy: configuration.callerPolicy))
    RoomController(engine: engine, gate: gate, speech: speech, configuration: configuration).addRoutes(to: rooms)
    let roomResponder = rooms.buildResponder()
    let limits = configuration.connectionLimits

    let application = Application(
        router: router,
        server: .guarded(limits) { responder in
            HTTP1WebSocketUpgradeChannel(
                responder: responder,
                webSocketResponder: roomResponder,
                configuration: .init(
                    http1: .init(httpDecoderConfiguration: limits.decoder),
                    // A peer that does not answer a close is let go after this, not 15 s.
                    ws: .init(
                        maxFrameSize: RoomConnection.maxMessageBytes,
                        autoPing: .enabled(timePeriod: .seconds(15)),
                        closeTimeout: RoomController.closeHandshake
                    )
                )
            )
        },
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "cinema"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
    return Backend(
        operatorToken: gate.token,
        operatorTokenIsNew: secrets.operatorTokenIsNew && configuration.operatorToken == nil,
        databasePath: store.path,
        application: application,
        engine: engine,
        logger: logger
    )
}

/// Every HTTP route of the backend; rooms live on their own WebSocket router.
func buildRouter(
    engine: SessionEngine,
    library: LibraryDatabase,
    director directorName: String,
    speech: any SpeechStage,
    gate: OperatorGate,
    configuration: BackendConfiguration
) -> Router<BackendRequestContext> {
    let router = Router(context: BackendRequestContext.self)
    router.add(middleware: CallerPolicyMiddleware(policy: configuration.callerPolicy))
    router.add(middleware: APIErrorMiddleware(service: "backend"))
    router.addRoutes(SessionController(engine: engine, library: library, gate: gate, configuration: configuration).endpoints)
    router.addRoutes(
        StatusController(
            engine: engine,
            library: library,
            directorName: directorName,
            speech: speech,
            gate: gate,
            configuration: configuration
        )
        .endpoints
    )
    router.addRoutes(LibraryController(library: library, configuration: configuration).endpoints)
    router.addRoutes(MetricsController(metrics: engine.metrics).endpoints)
    let rooms = RouteCollection(context: BackendRequestContext.self)
    RoomController(engine: engine, gate: gate, speech: speech, configuration: configuration).addDiagnostics(to: rooms)
    router.addRoutes(rooms)
    return router
}
