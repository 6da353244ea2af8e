import AsyncHTTPClient
import CinemaCore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What systemd is told of a long-running command it started with `Type=notify`: ready once
/// every server of the command listens, alive as long as each of them answers HTTP, stopping
/// when the graceful stop begins. Nothing at all when systemd did not ask (no `NOTIFY_SOCKET`).
final class SystemdSupervision: Sendable {
    private let notifier: SystemdNotifier
    private let status: String
    private let logger: Logger
    private let waiting: Mutex<(count: Int, health: [String])>
    private let ready = OneShot<[String]>()

    /// The supervision systemd asked for, or nil when it asked for none.
    static func requested(status: String, logger: Logger) -> SystemdSupervision? {
        SystemdNotifier(environment: ProcessInfo.processInfo.environment).map {
            SystemdSupervision(notifier: $0, status: status, logger: logger)
        }
    }

    private init(notifier: SystemdNotifier, status: String, logger: Logger) {
        self.notifier = notifier
        self.status = status
        self.logger = logger
        waiting = Mutex((0, []))
    }

    /// One more server to wait for, to listen on `host`, before the command is ready: it calls
    /// what this returns with its port once it listens, and its `/health` is asked from then on.
    /// Every server is counted before the group runs, so none can be ready before all are known.
    func server(host: String) -> @Sendable (Int) -> Void {
        waiting.withLock { $0.count += 1 }
        let reachable = ServiceAddress.isWildcard(host) ? "127.0.0.1" : host
        return { [self] port in
            let health = ServiceAddress.http(host: reachable, port: port) + "/health"
            let all: [String]? = waiting.withLock { waiting in
                waiting.count -= 1
                waiting.health.append(health)
                return waiting.count == 0 ? waiting.health : nil
            }
            if let all { ready.fulfil(.success(all)) }
        }
    }

    /// The service that tells systemd, to run last in the command's group: it is then the first
    /// told of a graceful stop, and says so before the others take their time to stop. It runs
    /// in the group's own task tree, so a cooperative pool that no longer runs tasks stops the
    /// signs of life as surely as a server that no longer answers.
    var service: ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: Watchdog(supervision: self))
    }

    private func send(_ fields: [String]) {
        do {
            try notifier.send(fields)
        } catch {
            logger.warning("\(error)")
        }
    }

    /// Whether every server answers, within `limit`: any HTTP answer will do (a backend whose
    /// model service is down still answers, and a restart would not bring the service back).
    private func answering(_ urls: [String], within limit: Duration) async -> Bool {
        for url in urls {
            do {
                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: url),
                    timeout: .milliseconds(Int64(limit / .milliseconds(1)))
                )
                _ = try await response.body.collect(upTo: 1 << 16)
            } catch {
                logger.warning("No sign of life for systemd: \(url) did not answer (\(error)).", metadata: ["url": "\(url)"])
                return false
            }
        }
        return true
    }

    private struct Watchdog: Service {
        let supervision: SystemdSupervision

        func run() async throws {
            let supervision = supervision
            await withGracefulShutdownHandler {
                do {
                    try await cancelWhenGracefulShutdown {
                        let health = try await supervision.ready.value()
                        supervision.send(["READY=1", "STATUS=" + supervision.status])
                        guard let timeout = supervision.notifier.watchdogTimeout else { return try await gracefulShutdown() }
                        // Half the timeout, as systemd advises; the probe gets a quarter, so a
                        // slow answer still leaves time for the next one.
                        while true {
                            try await Task.sleep(for: timeout / 2)
                            if await supervision.answering(health, within: timeout / 4) {
                                supervision.send(["WATCHDOG=1"])
                            }
                        }
                    }
                } catch {
                    // Stopped or cancelled: nothing more to tell.
                }
            } onGracefulShutdown: {
                supervision.send(["STOPPING=1", "STATUS=Stopping"])
            }
        }
    }
}
