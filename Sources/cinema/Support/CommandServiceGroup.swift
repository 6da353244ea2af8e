import Logging
import ServiceLifecycle
import UnixSignals

extension ServiceGroupConfiguration {
    /// A long-running command's services: stopped gracefully on SIGTERM or SIGINT, and cancelled
    /// should the graceful stop take longer than `stopLimit`, so that the command ends whatever
    /// its peers do. (Each connection is already closed 2 s into the stop; clients get 5 s
    /// before SIGKILL; this is the bound behind those.) When systemd supervises the command,
    /// its service comes last, so that it is the first told of the stop.
    static func command(_ services: [ServiceConfiguration], systemd: SystemdSupervision? = nil, logger: Logger) -> ServiceGroupConfiguration {
        var configuration = ServiceGroupConfiguration(
            services: services + (systemd.map { [$0.service] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = stopLimit
        return configuration
    }

    static let stopLimit: Duration = .seconds(15)
}
