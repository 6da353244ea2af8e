public import CinemaCore
import CinemaHTTP
import Hummingbird
public import Logging
public import ServiceLifecycle

/// The station (`cinema station`, and `cinema up` beside the backend): the dashboard's HTTP
/// service and the client supervisor, run as one service. `cinema station` and the tests both
/// build it with `buildApplication`.
public struct StationApplication: Service {
    public let databasePath: String
    /// Clients an earlier run of the station left running, stopped before this one listens.
    public let orphansStopped: [Int32]
    package let supervisor: ClientSupervisor
    /// The handset, when the station has one.
    let handset: Handset?
    let application: any ApplicationProtocol
    let logger: Logger

    /// Runs until graceful shutdown. The supervisor comes last, so that it stops first: every
    /// client is stopped while the server still answers, then the server stops.
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
                        service: supervisor,
                        successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup
                    ),
                ]
                    + (handset.map { [.init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup)] }
                        ?? []),
                logger: logger
            )
        )
        try await group.run()
    }
}

/// Builds the station as `configuration` says, keeping `station.sqlite` and the clients' logs in
/// `home`, and stops the clients an earlier run left behind. `sessions` is how the supervisor
/// asks the backend about sessions (by default over HTTP, with the operator token);
/// `onServerRunning` receives the port it listens on (useful with port 0).
public func buildApplication(
    configuration: StationConfiguration,
    home: CinemaHome,
    sessions: (any SessionProbe)? = nil,
    assets: DashboardAssets = .located(),
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> StationApplication {
    if configuration.operatorTokenRequired && (configuration.operatorToken ?? "").isEmpty {
        throw StationSetupError.operatorTokenMissing(host: configuration.host)
    }
    try home.prepare()
    let database = try StationDatabase.open(path: home.path + "/" + StationDatabase.fileName)
    let supervisor = ClientSupervisor(
        settings: configuration.clientSettings(home: home),
        database: database,
        sessions: sessions ?? BackendSessionProbe(operatorToken: configuration.operatorToken),
        logger: logger
    )
    let orphans = try await supervisor.stopOrphans()
    if !orphans.isEmpty {
        logger.notice("Stopped \(orphans.count) client(s) an earlier station left running: PIDs \(orphans.map(String.init).joined(separator: ", "))")
    }
    if !assets.isComplete {
        logger.error("The dashboard's files are missing (looked in \(assets.searched.joined(separator: ", "))); the API works, the page will say so.")
    }
    let handset = configuration.hook.map { source in
        Handset(
            hook: HookSwitch(source: source, debounce: configuration.hookDebounce),
            visits: BackendVisits(
                backendURL: configuration.backendURL,
                station: configuration.name,
                operatorToken: configuration.operatorToken,
                idleTimeout: configuration.silenceTimeout
            ),
            supervisor: supervisor,
            logger: logger
        )
    }
    let router = buildRouter(supervisor: supervisor, database: database, configuration: configuration, assets: assets, handset: handset)
    let application = Application(
        router: router,
        server: .guardedHTTP1(),
        configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "cinema-station"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
    return StationApplication(
        databasePath: database.path,
        orphansStopped: orphans,
        supervisor: supervisor,
        handset: handset,
        application: application,
        logger: logger
    )
}

/// Every route of the station: the API and the dashboard's files, behind the caller rule.
func buildRouter(
    supervisor: ClientSupervisor,
    database: StationDatabase,
    configuration: StationConfiguration,
    assets: DashboardAssets,
    handset: Handset? = nil
) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: CallerPolicyMiddleware(policy: configuration.callerPolicy))
    router.add(middleware: APIErrorMiddleware(service: "station"))
    StationController(
        supervisor: supervisor,
        database: database,
        identity: StationIdentity(
            name: configuration.name,
            backendURL: configuration.backendURL,
            playerURL: configuration.playerURL,
            silenceTimeout: configuration.silenceTimeout
        ),
        assets: assets,
        player: PlayerProbe(url: configuration.playerURL),
        gate: configuration.operatorGate,
        handset: handset,
        operatorToken: configuration.operatorToken
    )
    .addRoutes(to: router)
    return router
}

/// Why the station could not be built.
public enum StationSetupError: Error, CustomStringConvertible, Equatable {
    /// Listening beyond loopback, where acting needs the operator token, without one.
    case operatorTokenMissing(host: String)

    public var description: String {
        switch self {
        case .operatorTokenMissing(let host):
            "The station listens on \(host), beyond this machine, so starting clients and choosing the microphone need the operator token, and there is none: run cinema serve once with this CINEMA_HOME (it writes operator-token there), or set CINEMA_BACKEND_OPERATOR_TOKEN."
        }
    }
}
