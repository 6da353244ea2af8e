import AsyncHTTPClient
import CinemaCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Subprocess
import SystemPackage

/// Keeps the model service running for as long as `supervise` runs: starts it, learns its
/// address from the line it prints once its model is loaded, restarts it with backoff when it
/// dies, kills it when it stops answering, and stops it when the supervision is cancelled.
/// Recognizers ask it for the address at each utterance, so a restarted service (on a new port)
/// is used as soon as it is ready.
public actor ModelService {
    public struct Configuration: Sendable, Equatable {
        public var installation: ModelServiceInstallation
        /// `base` or `tiny.en`.
        public var model = "base"
        /// CPU threads per decoder; 0 lets the service use one per core.
        public var threads = 0
        /// Utterances decoded at once.
        public var decoders = 1
        /// Five hypotheses: a fifth fewer word errors than one on the tuning set, and the time
        /// it adds is hidden in the stop hangover by the guess at the visitor's pause.
        public var beamSize = 5
        /// The weights folder, when not the one inside the service's virtual environment.
        public var weightsFolder: String?
        /// Where the service's own log goes (appended; the previous one kept as `.1` once large).
        public var logPath: String?
        /// How often it is asked whether it is well, and how long it has to answer.
        public var healthInterval: Duration = .seconds(5)
        public var healthTimeout: Duration = .seconds(3)
        /// Unanswered health checks in a row before it is taken for hung and killed.
        public var unansweredLimit = 2
        public var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))

        public init(installation: ModelServiceInstallation) {
            self.installation = installation
        }
    }

    public enum State: Sendable, Equatable {
        case starting
        /// Serving at `baseURL` (up to and including `/v1`).
        case ready(baseURL: String)
        /// It died or hung and will be started again.
        case restarting(reason: String)
        /// Its weights are missing or damaged; it is tried again now and then, in case someone
        /// reinstalls them.
        case failed(reason: String)
        case stopped

        /// For `/health` and the dashboard.
        public var name: String {
            switch self {
            case .starting: "starting"
            case .ready: "ready"
            case .restarting: "restarting"
            case .failed: "failed"
            case .stopped: "stopped"
            }
        }

        public var reason: String? {
            switch self {
            case .restarting(let reason), .failed(let reason): reason
            default: nil
            }
        }
    }

    /// The service's exit status when its weights are missing or not the published ones.
    public static let badWeightsStatus: Int32 = 78

    nonisolated public let configuration: Configuration
    public private(set) var state: State = .starting
    /// Times it was started again after dying or hanging.
    public private(set) var restarts = 0
    public private(set) var processID: Int32?
    private var waiters: [UUID: CheckedContinuation<String?, Never>] = [:]
    private let logger: Logger
    private let client: HTTPClient

    public init(configuration: Configuration, logger: Logger = Logger(label: "cinema.models"), client: HTTPClient = .shared) {
        self.configuration = configuration
        self.logger = logger
        self.client = client
    }

    /// The address to send work to, waiting up to `limit` for a service that is starting or
    /// restarting; nil when it is not ready by then, or at once when it cannot start (its
    /// weights are missing or damaged) or was stopped.
    public func baseURL(within limit: Duration) async -> String? {
        switch state {
        case .ready(let url): return url
        case .stopped, .failed: return nil
        case .starting, .restarting: break
        }
        guard limit > .zero else { return nil }
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[id] = continuation
                Task { [weak self] in
                    try? await Task.sleep(for: limit)
                    await self?.resume(id, with: nil)
                }
            }
        } onCancel: {
            Task { await self.resume(id, with: nil) }
        }
    }

    private func resume(_ id: UUID, with url: String?) {
        waiters.removeValue(forKey: id)?.resume(returning: url)
    }

    private func set(_ new: State) {
        state = new
        switch new {
        case .ready(let url):
            for waiter in waiters.values { waiter.resume(returning: url) }
            waiters.removeAll()
        case .stopped, .failed:
            for waiter in waiters.values { waiter.resume(returning: nil) }
            waiters.removeAll()
        default:
            break
        }
    }

    /// A recognizer's request got no answer in time: ask the service now rather than at the
    /// next health check, so that a hung one is replaced sooner.
    public func reportUnanswered() {
        healthCheckNow?.yield()
    }

    private var healthCheckNow: AsyncStream<Void>.Continuation?

    /// Runs until the calling task is cancelled, then stops the service (SIGTERM, then SIGKILL
    /// after 3 s).
    public func supervise() async {
        var backoff = configuration.backoff
        while !Task.isCancelled {
            let began = ContinuousClock.now
            let ending = await runOnce()
            if Task.isCancelled { break }
            // A service that stayed up a while had recovered: the next failure starts the
            // backoff afresh.
            if ContinuousClock.now - began > .seconds(60) { backoff.succeeded() }
            restarts += 1
            var pause = backoff.next()
            if ending.badWeights {
                pause = max(pause, .seconds(30))
                set(.failed(reason: ending.reason))
                logger.error(
                    "The model service cannot start: \(ending.reason) Hearing falls back to pocketsphinx; trying again in \(Self.seconds(pause))."
                )
            } else {
                set(.restarting(reason: ending.reason))
                logger.warning("The model service went away (\(ending.reason)); starting it again in \(Self.seconds(pause)).")
            }
            try? await Task.sleep(for: pause)
        }
        set(.stopped)
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration / .seconds(1))
    }

    private struct Ending {
        var reason: String
        var badWeights = false
    }

    private func runOnce() async -> Ending {
        let installation = configuration.installation
        var arguments =
            ["-m", "cinema_models"] + (configuration.weightsFolder.map { ["--weights", $0] } ?? []) + [
                "serve", "--port", "0", "--model", configuration.model, "--parent-watch",
            ]
        arguments += ["--threads", String(configuration.threads), "--decoders", String(configuration.decoders)]
        arguments += ["--beam-size", String(configuration.beamSize)]
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))]
        let environment = Environment.inherit.updating([
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        ])
        let log = ServiceLog(path: configuration.logPath)
        do {
            let result = try await Subprocess.run(
                .path(FilePath(installation.python)),
                arguments: Arguments(arguments),
                environment: environment,
                workingDirectory: FilePath(installation.folder),
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                let pid = execution.processIdentifier.value
                await self.started(pid)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            for try await line in execution.standardError.strings() { log.write(line, isError: true) }
                        } catch {
                            log.write("(its error output could not be read: \(error))", isError: true)
                        }
                    }
                    group.addTask {
                        do {
                            for try await line in execution.standardOutput.strings() {
                                log.write(line, isError: false)
                                if let url = Self.address(in: line) { await self.listening(at: url) }
                            }
                        } catch {
                            log.write("(its output could not be read: \(error))", isError: true)
                        }
                    }
                    group.addTask {
                        await self.watch { try? execution.send(signal: .kill) }
                    }
                    // Both streams end when the process does; then the watch is called off.
                    await group.next()
                    await group.next()
                    group.cancelAll()
                }
            }
            processID = nil
            let status = result.terminationStatus.shellStatus
            if status == Self.badWeightsStatus {
                return Ending(reason: log.lastError ?? "its weights are missing or damaged (exit \(status))", badWeights: true)
            }
            if status > 128 {
                let signal = status - 128
                let why = signal == 9 ? "; out of memory, or killed by hand" : ""
                return Ending(reason: "it was killed by signal \(signal)\(why)")
            }
            return Ending(reason: "it exited with status \(status)" + (log.lastError.map { ": \($0)" } ?? ""))
        } catch {
            processID = nil
            return Ending(reason: "it could not be started with \(installation.python): \(error)", badWeights: true)
        }
    }

    private func started(_ pid: Int32) {
        processID = pid
        logger.info("Started the model service, PID \(pid): Whisper \(configuration.model)")
    }

    private func listening(at url: String) {
        set(.ready(baseURL: url + "/v1"))
        logger.info("The model service is ready at \(url)")
    }

    /// `http://127.0.0.1:PORT` from the service's "… listening on http://127.0.0.1:PORT (…)".
    static func address(in line: String) -> String? {
        guard line.hasPrefix("cinema-models"), let range = line.range(of: "listening on http://") else { return nil }
        let address = line[range.upperBound...].prefix { $0 != " " }
        return "http://" + address
    }

    /// Asks the ready service how it is, every `healthInterval` or at once when a recognizer
    /// says it went unanswered; kills it after `unansweredLimit` unanswered checks in a row.
    private func watch(kill: @Sendable () -> Void) async {
        let (nudges, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        healthCheckNow = continuation
        defer { continuation.finish() }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.healthInterval)
                continuation.yield()
            }
        }
        defer { ticker.cancel() }
        var unanswered = 0
        for await _ in nudges {
            if Task.isCancelled { return }
            guard case .ready(let url) = state else { continue }
            if await answers(url) {
                unanswered = 0
                continue
            }
            unanswered += 1
            if unanswered >= configuration.unansweredLimit {
                logger.error("The model service has not answered \(unanswered) health checks in a row; killing it to start it again.")
                set(.restarting(reason: "it stopped answering"))
                kill()
                return
            }
        }
    }

    private func answers(_ baseURL: String) async -> Bool {
        var request = HTTPClientRequest(url: String(baseURL.dropLast(3)) + "/health")
        request.method = .GET
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(configuration.healthTimeout / .milliseconds(1))))
            _ = try await response.body.collect(upTo: 1 << 16)
            return response.status == .ok
        } catch {
            return false
        }
    }
}
