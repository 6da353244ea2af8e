public import ServiceLifecycle

/// The supervisor as a service: every client is stopped when the station shuts down, so that it
/// leaves no process behind. (Orphans of an earlier run are stopped before the station listens.)
public struct StationSupervision: Service {
    public let supervisor: ClientSupervisor

    public init(supervisor: ClientSupervisor) {
        self.supervisor = supervisor
    }

    public func run() async throws {
        // Sleeps until the station shuts down; nothing else to do meanwhile.
        try? await gracefulShutdown()
        await supervisor.stopAll()
    }
}
