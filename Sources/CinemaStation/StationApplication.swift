public import CinemaHTTP
public import Hummingbird
public import Logging

/// `cinema station`'s HTTP service: the dashboard and the API behind it. `gate` guards what
/// changes anything (starting and stopping clients, the microphone) when the station listens
/// beyond loopback; `policy` says who may call at all (only the station's own pages act).
public func buildStation(
    supervisor: ClientSupervisor,
    database: StationDatabase,
    identity: StationIdentity,
    gate: OperatorGate,
    policy: CallerPolicy = CallerPolicy(service: "station"),
    assets: DashboardAssets = .located(),
    host: String,
    port: Int,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: CallerPolicyMiddleware(policy: policy))
    router.add(middleware: APIErrorMiddleware(service: "station"))
    StationController(
        supervisor: supervisor,
        database: database,
        identity: identity,
        assets: assets,
        player: PlayerProbe(url: identity.playerURL),
        gate: gate
    )
    .addRoutes(to: router)
    return Application(
        router: router,
        server: .guardedHTTP1(),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cinema-station"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
