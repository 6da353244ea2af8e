public import CinemaHTTP
public import Hummingbird
public import Logging

/// `cinema player`'s HTTP service over a running ``PlayerService``.
public func buildPlayer(
    _ player: PlayerService,
    host: String,
    port: Int,
    policy: CallerPolicy = CallerPolicy(service: "player"),
    gate: OperatorGate = OperatorGate(token: "", required: false),
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: CallerPolicyMiddleware(policy: policy))
    router.add(middleware: APIErrorMiddleware(service: "player"))
    PlayerController(player: player, gate: gate).addRoutes(to: router)
    return Application(
        router: router,
        server: .guardedHTTP1(),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "cinema-player"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
