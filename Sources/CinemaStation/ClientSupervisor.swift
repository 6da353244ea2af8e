public import CinemaCore
public import Foundation
public import Logging
public import ServiceLifecycle
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Starts one `cinema client` per session and keeps it going for as long as its session lives:
/// a client that fails is started again with backoff, one whose session ended is left ended, and
/// each is recorded in `station.sqlite`, so that a station started again can stop the ones a
/// crash of its own left behind.
///
/// A service: `run()` is the one long-lived task, and each client's supervision is a child of
/// it. Stopping a client cancels its supervision, which ends its process (SIGTERM, then SIGKILL
/// after the grace) or cuts short its pause before a restart. When the station shuts down,
/// `run()` stops every client and returns once each is over. `start` waits for `run()`: a
/// supervisor that is not run starts nothing.
public actor ClientSupervisor: Service {
    /// A session's client, as the dashboard asks for it: checked against the station's own
    /// backend before anything runs (``SessionRoom``).
    public struct Launch: Sendable {
        public var roomURL: String
        public var token: String
        public var backendURL: String
        public var identifier: String?

        public init(roomURL: String, token: String, backendURL: String, identifier: String?) {
            self.roomURL = roomURL
            self.token = token
            self.backendURL = backendURL
            self.identifier = identifier
        }
    }

    public struct Settings: Sendable {
        /// The `cinema` executable clients run from: the station's own.
        public var executable: String
        public var playerURL: String
        /// The station's backend: clients are started for its sessions only, and given it.
        public var backendURL: String
        public var logsDirectory: String
        /// More environment for every client (`CINEMA_HOME`, `CINEMA_AUDIO_DEVICE`, …).
        public var environment: [String: String] = [:]
        /// SIGTERM, then SIGKILL after this.
        public var grace: Duration = .seconds(5)
        /// Capped at 8 s because the backend ends a session whose TV has been gone for 30 s (its
        /// grace period): a longer pause would let the session end while its client waits, and
        /// a restarted client needs a few seconds more to join its room.
        public var backoff = Backoff(initial: .seconds(1), maximum: .seconds(8))
        /// A client that ran this long before it failed is started again after the first pause,
        /// not the longest: weeks of uptime should not leave one crash waiting 8 s.
        public var steadyRun: Duration = .seconds(60)
        /// This many failures within `crashWindow` raise needs-help on the session.
        public var crashLimit = 5
        public var crashWindow: Duration = .seconds(60)

        public init(executable: String, playerURL: String, backendURL: String, logsDirectory: String) {
            self.executable = executable
            self.playerURL = playerURL
            self.backendURL = backendURL
            self.logsDirectory = logsDirectory
        }
    }

    /// What `start` answers: the session's client, and whether it ran already.
    public struct Started: Sendable {
        public var record: ClientRecord
        /// The session had a client running or waiting to be started again: that one is
        /// answered, and nothing new was spawned.
        public var alreadyRunning: Bool
    }

    /// The outcome of a client's first run: its record once the process runs, or why it did not.
    private typealias FirstRun = Result<ClientRecord, StationError>

    /// A client under supervision, from the insertion of its record until it is over for good.
    private struct SupervisedClient {
        var record: ClientRecord
        let room: SessionRoom
        /// The process of its latest run, once one has begun (still set between two runs, so
        /// that a stop by the PID the dashboard shows finds it during a pause).
        var process: ProcessIdentity?
        /// Finished to stop it: its supervision is then cancelled.
        let stopSignal: AsyncStream<Void>.Continuation
        let stopSignals: AsyncStream<Void>
        var stopping = false
        /// Starts waiting for its first run to begin (or fail); nil once it has.
        var firstRunWaiters: [CheckedContinuation<FirstRun, Never>]? = []
        /// Those waiting for it to be over (`stop`, `finished`).
        var endWaiters: [CheckedContinuation<ClientRecord, Never>] = []
    }

    /// What a session has of the supervisor: a start under way (its record not yet inserted),
    /// or its client.
    private enum SessionClaim {
        case reserving(waiters: [CheckedContinuation<FirstRun, Never>])
        case client(Int64)
    }

    public let settings: Settings
    private let database: StationDatabase
    private let sessions: any SessionProbe
    private let logger: Logger
    /// Every client under supervision, by its record's id.
    private var clients: [Int64: SupervisedClient] = [:]
    /// One client per session, by the session's identifier.
    private var claims: [String: SessionClaim] = [:]
    /// Clients whose supervision `run()` is to begin, in the order they were started. Unbounded,
    /// but each holds a session's claim, so there are never more than sessions being started.
    private let admissions: AsyncStream<Int64>
    private let admit: AsyncStream<Int64>.Continuation
    /// Whoever follows the clients' changes (the dashboard's live feed).
    private var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]
    /// The station is stopping: no starts and no watching from now on.
    private var shuttingDown = false
    /// Record updates `station.sqlite` refused. Crash recovery reads those records, so each
    /// failure is logged and counted here (`GET /health` shows the count).
    public private(set) var recordUpdateFailures = 0

    public init(settings: Settings, database: StationDatabase, sessions: any SessionProbe, logger: Logger) {
        self.settings = settings
        self.database = database
        self.sessions = sessions
        self.logger = logger
        (admissions, admit) = AsyncStream.makeStream(of: Int64.self)
    }

    // MARK: Running

    /// Supervises each client started, as a child task, until the station shuts down; then stops
    /// every client and returns once all are over.
    public func run() async {
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await id in admissions {
                    group.addTask { await self.supervise(id) }
                }
            } onGracefulShutdown: { [admit] in
                admit.finish()
            }
            // Shutting down (or cancelled): every client is stopped, and the group waits for
            // their supervision to end.
            beginShutdown()
        }
        // Only a cancelled run leaves any: clients admitted but never supervised. Their starts
        // are answered, and their records closed.
        for id in clients.keys { await close(id, failure: .spawn("the station is stopping")) }
        for watcher in watchers.values { watcher.finish() }
        watchers.removeAll()
    }

    private func beginShutdown() {
        shuttingDown = true
        admit.finish()
        for id in clients.keys { halt(id) }
    }

    // MARK: Starting

    /// Starts the session's client and returns its record once the process runs; a session
    /// whose client runs, or waits to be started again, keeps that one.
    public func start(_ launch: Launch) async throws(StationError) -> Started {
        // Checked and reserved before anything awaits: starts for one session that arrive
        // together (a double click, a retry, a script) must find the first one's reservation,
        // not each spawn a client that then fights the others over the room.
        let room = try SessionRoom(launch, backend: settings.backendURL)
        guard !shuttingDown else { throw .spawn("the station is stopping") }
        switch claims[room.identifier] {
        case .reserving:
            let first = await withCheckedContinuation { (waiter: CheckedContinuation<FirstRun, Never>) in
                guard case .reserving(let waiters) = claims[room.identifier] else {
                    return waiter.resume(returning: .failure(.spawn("the session's first start ended meanwhile; try again")))
                }
                claims[room.identifier] = .reserving(waiters: waiters + [waiter])
            }
            return Started(record: try latest(first).get(), alreadyRunning: true)
        case .client(let id):
            guard let client = clients[id] else { break }
            guard client.firstRunWaiters != nil else { return Started(record: client.record, alreadyRunning: true) }
            let first = await withCheckedContinuation { (waiter: CheckedContinuation<FirstRun, Never>) in
                guard clients[id]?.firstRunWaiters != nil else {
                    let now: FirstRun = clients[id].map { .success($0.record) } ?? .failure(.spawn("the client ended meanwhile"))
                    return waiter.resume(returning: now)
                }
                clients[id]?.firstRunWaiters?.append(waiter)
            }
            return Started(record: try latest(first).get(), alreadyRunning: true)
        case nil:
            break
        }
        claims[room.identifier] = .reserving(waiters: [])
        let first = await admitClient(for: room)
        return Started(record: try first.get(), alreadyRunning: false)
    }

    /// Records the session's client and has `run()` supervise it; the outcome of its first run.
    private func admitClient(for room: SessionRoom) async -> FirstRun {
        let record: ClientRecord
        let id: Int64
        do throws(StationError) {
            do {
                try FileManager.default.createDirectory(atPath: settings.logsDirectory, withIntermediateDirectories: true)
            } catch {
                throw .spawn("could not create the log folder \(settings.logsDirectory): \(error)")
            }
            ClientLogs.prune(settings.logsDirectory)
            record = try await database.insert(
                ClientRecord(
                    id: nil,
                    pid: 0,
                    processStart: 0,
                    identifier: room.identifier,
                    roomURL: room.roomURL,
                    backendURL: room.backendURL,
                    startedAt: Date(),
                    state: .restarting,
                    restarts: 0,
                    exitCode: nil,
                    logPath: settings.logsDirectory + "/client-\(room.identifier).log"
                )
            )
            guard let inserted = record.id else { throw .spawn("the client's record got no id") }
            id = inserted
        } catch {
            if case .reserving(let waiters) = claims.removeValue(forKey: room.identifier) {
                for waiter in waiters { waiter.resume(returning: .failure(error)) }
            }
            return .failure(error)
        }
        var waiters: [CheckedContinuation<FirstRun, Never>] = []
        if case .reserving(let reserved) = claims[room.identifier] { waiters = reserved }
        claims[room.identifier] = .client(id)
        let (stopSignals, stopSignal) = AsyncStream.makeStream(of: Void.self)
        clients[id] = SupervisedClient(record: record, room: room, stopSignal: stopSignal, stopSignals: stopSignals, firstRunWaiters: waiters)
        guard !shuttingDown, Self.admitted(admit.yield(id)) else {
            // The station began to stop while the record was written.
            let stopping = StationError.spawn("the station is stopping")
            await close(id, failure: stopping)
            return .failure(stopping)
        }
        // `run()` supervises it from here; nothing can have answered yet, as nothing awaited.
        return await withCheckedContinuation { waiter in clients[id]?.firstRunWaiters?.append(waiter) }
    }

    /// A first run's outcome with the client's latest record: it may have been started again
    /// since.
    private func latest(_ first: FirstRun) -> FirstRun {
        first.map { record in record.id.flatMap { clients[$0]?.record } ?? record }
    }

    private static func admitted(_ result: AsyncStream<Int64>.Continuation.YieldResult) -> Bool {
        if case .terminated = result { return false }
        return true
    }

    /// The supervision of one client, a child of `run()`: its runs until they are over or it is
    /// stopped, then its record closed.
    private func supervise(_ id: Int64) async {
        guard let client = clients[id] else { return }
        let log = RotatingLog(path: client.record.logPath)
        let stopSignals = client.stopSignals
        // Whichever ends first, the runs or the stop signal, cancels the other: a stop ends the
        // running process or the pause at once.
        let failure = await withTaskGroup(of: StationError?.self) { race in
            race.addTask { await self.runWhileNeeded(id, room: client.room, log: log) }
            race.addTask {
                for await _ in stopSignals {}
                return nil
            }
            var failure: StationError?
            while let outcome = await race.next() {
                race.cancelAll()
                failure = failure ?? outcome
            }
            return failure
        }
        log.close()
        await close(id, failure: failure)
    }

    /// Runs the client, and again after each failure while its session lives, unless the way it
    /// failed says it never can succeed. Returns why it could not be started, if that ended it.
    private func runWhileNeeded(_ id: Int64, room: SessionRoom, log: RotatingLog) async -> StationError? {
        var backoff = settings.backoff
        var crashes: [ContinuousClock.Instant] = []
        var helpRaised = false
        let metadata: Logger.Metadata = ["session": "\(room.identifier)"]
        while !isStopping(id) {
            let run: (status: Int32, lastLines: [String])
            let began = ContinuousClock.now
            do {
                run = try await runOnce(id, room: room, log: log)
            } catch is CancellationError {
                return nil
            } catch {
                logger.error("Could not start a client: \(error)", metadata: metadata)
                return .spawn("\(error)")
            }
            let status = run.status
            clients[id]?.record.exitCode = status
            log.write(line: "[station] the client exited with status \(status)")
            if isStopping(id) || status == 0 { return nil }
            guard let logPath = clients[id]?.record.logPath else { return nil }
            if let meaning = ClientExit.hopeless(status) {
                // The same token, room and settings would fail the same way: a person must act.
                log.write(line: "[station] not started again: \(meaning)")
                logger.error("A client cannot succeed (status \(status), \(meaning)); not starting it again", metadata: metadata)
                await sessions.raiseNeedsHelp(
                    room.identifier,
                    backend: room.backendURL,
                    reason: ClientExit.reason(status: status, meaning: meaning, log: logPath, lastLines: run.lastLines)
                )
                return nil
            }
            // A failure: again, while the session lives.
            let now = ContinuousClock.now
            if now - began >= settings.steadyRun { backoff = settings.backoff }
            crashes = crashes.filter { now - $0 < settings.crashWindow } + [now]
            if crashes.count >= settings.crashLimit, !helpRaised {
                helpRaised = true
                await sessions.raiseNeedsHelp(
                    room.identifier,
                    backend: room.backendURL,
                    reason: "The TV's client failed \(crashes.count) times within \(settings.crashWindow); see \(logPath)"
                )
            }
            guard await sessions.isLive(room.identifier, backend: room.backendURL), !isStopping(id) else { return nil }
            await updateRecord(id) { record in
                record.state = .restarting
                record.restarts += 1
            }
            let pause = backoff.next()
            logger.warning("A client failed (status \(status)); starting it again in \(pause)", metadata: metadata)
            do {
                try await Task.sleep(for: pause)
            } catch {
                return nil  // stopped during the pause
            }
        }
        return nil
    }

    /// One run of the client. Returns the exit status as a shell reports it, and the last lines
    /// it wrote (for a call for help). Cancelled, it ends the process: SIGTERM, then SIGKILL
    /// after the grace.
    private func runOnce(_ id: Int64, room: SessionRoom, log: RotatingLog) async throws -> (status: Int32, lastLines: [String]) {
        var environment: [Environment.Key: String] = [
            "CINEMA_ROOM_URL": room.roomURL,
            "CINEMA_TOKEN": room.token,
            "CINEMA_BACKEND_URL": room.backendURL,
            "CINEMA_PLAYER_URL": settings.playerURL,
        ]
        for (key, value) in settings.environment { environment[Environment.Key(stringLiteral: key)] = value }
        // The operator's microphone choice, read at each start: a client started again after a
        // change uses the new one.
        do {
            if let device = try await database.setting(StationSettings.audioDevice), !device.isEmpty {
                environment["CINEMA_AUDIO_DEVICE"] = device
            }
        } catch {
            logger.warning("Could not read the microphone choice; the client starts with its default", metadata: ["error": "\(error)"])
        }
        try Task.checkCancellation()
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: settings.grace)]
        let result = try await Subprocess.run(
            .path(FilePath(settings.executable)),
            arguments: ["client"],
            environment: .inherit.updating(environment),
            platformOptions: options,
            input: .none,
            output: .sequence,
            error: .combinedWithOutput
        ) { execution in
            let pid = execution.processIdentifier.value
            await self.began(id, as: ProcessIdentity.current(pid) ?? ProcessIdentity(pid: pid, start: 0))
            var lastLines: [String] = []
            for try await line in execution.standardOutput.strings() {
                log.write(line: line)
                if !line.allSatisfy(\.isWhitespace) { lastLines = Array((lastLines + [line]).suffix(ClientExit.linesKept)) }
            }
            return lastLines
        }
        return (result.terminationStatus.shellStatus, result.closureResult)
    }

    /// A run of the client has begun: recorded, and the first one answers `start`.
    private func began(_ id: Int64, as process: ProcessIdentity) async {
        clients[id]?.process = process
        await updateRecord(id) { record in
            record.pid = process.pid
            record.processStart = process.start
            record.state = .running
            record.exitCode = nil
        }
        if let record = clients[id]?.record { settleFirstRun(id, .success(record)) }
    }

    /// Answers the starts waiting for the client's first run, once.
    private func settleFirstRun(_ id: Int64, _ outcome: FirstRun) {
        guard let waiters = clients[id]?.firstRunWaiters else { return }
        clients[id]?.firstRunWaiters = nil
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Over for good: it failed to start, exited 0, was stopped, cannot succeed, or its session
    /// ended. A start for the session from now on starts a new client.
    private func close(_ id: Int64, failure: StationError?) async {
        await updateRecord(id) { $0.state = .exited }
        settleFirstRun(id, .failure(failure ?? .spawn("the client ended before it started")))
        guard let client = clients.removeValue(forKey: id) else { return }
        if let identifier = client.record.identifier, case .client(id) = claims[identifier] { claims[identifier] = nil }
        for waiter in client.endWaiters { waiter.resume(returning: client.record) }
    }

    /// Changes the client's record, and saves it. A save that fails is logged and counted, never
    /// dropped in silence: a station started after a crash trusts these records to find its
    /// predecessor's clients.
    private func updateRecord(_ id: Int64, _ change: (inout ClientRecord) -> Void) async {
        guard var record = clients[id]?.record else { return }
        change(&record)
        clients[id]?.record = record
        do {
            try await database.update(record)
        } catch {
            if Task.isCancelled {
                // A stop, or the station's end, cut the write short; the client's closing
                // record is written after its supervision is over.
                logger.debug("A client's record update was cancelled", metadata: ["client.id": "\(id)"])
            } else {
                recordUpdateFailures += 1
                logger.error(
                    "Could not update a client's record in station.sqlite; a station started after a crash may not find this client",
                    metadata: [
                        "client.id": "\(id)", "client.pid": "\(record.pid)", "client.state": "\(record.state.rawValue)",
                        "session": "\(record.identifier ?? "?")", "error": "\(error)",
                        "station.recordUpdateFailures": "\(recordUpdateFailures)",
                    ]
                )
            }
        }
        for watcher in watchers.values { watcher.yield() }
    }

    // MARK: Watching

    /// A tick after each change to a client's record (started, restarting, exited), until the
    /// station stops. Ticks that pile up while the watcher is busy count as one.
    public func watch() -> (changes: AsyncStream<Void>, key: UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let key = UUID()
        if shuttingDown {
            continuation.finish()
        } else {
            watchers[key] = continuation
        }
        return (stream, key)
    }

    public func unwatch(_ key: UUID) {
        watchers.removeValue(forKey: key)?.finish()
    }

    /// Returns once the client of `record` is over for good (its session ended, or it was
    /// stopped), not merely between two runs.
    public func finished(_ record: Int64) async {
        guard clients[record] != nil else { return }
        _ = await withCheckedContinuation { waiter in clients[record]?.endWaiters.append(waiter) }
    }

    // MARK: Stopping

    /// Stops a client: SIGTERM, then SIGKILL after the grace. It is not started again.
    public func stop(pid: Int32) async throws(StationError) -> ClientRecord {
        guard let id = clients.first(where: { $0.value.process?.pid == pid })?.key else {
            throw .unknownClient(pid)
        }
        return await withCheckedContinuation { waiter in
            clients[id]?.endWaiters.append(waiter)
            halt(id)
        }
    }

    private func isStopping(_ id: Int64) -> Bool {
        clients[id]?.stopping ?? true
    }

    /// Marks a client stopping and signals its supervision, which is then cancelled.
    private func halt(_ id: Int64) {
        guard let client = clients[id], !client.stopping else { return }
        clients[id]?.stopping = true
        // A client being stopped is not the session's any more: a start meanwhile starts anew.
        if let identifier = client.record.identifier, case .client(id) = claims[identifier] { claims[identifier] = nil }
        client.stopSignal.finish()
    }

    /// Clients a previous run of the station left running (the same PID and start time as
    /// recorded): stopped, and recorded as exited. Returns their PIDs.
    public func stopOrphans() async throws(StationError) -> [Int32] {
        var stopped: [Int32] = []
        for var record in try await database.unfinished() where clients[record.id ?? -1] == nil {
            let identity = ProcessIdentity(pid: record.pid, start: record.processStart)
            if record.pid > 0, identity.isRunning {
                logger.warning("Stopping a client left by an earlier station (PID \(record.pid), session \(record.identifier ?? "?"))")
                await Self.terminate(identity, grace: settings.grace)
                stopped.append(record.pid)
            }
            record.state = .exited
            try await database.update(record)
        }
        return stopped
    }

    /// SIGTERM, then SIGKILL if it still runs after `grace` (at once if cancelled). Checked
    /// against the start time, so that a PID handed to another process meanwhile is never
    /// signalled.
    static func terminate(_ identity: ProcessIdentity, grace: Duration) async {
        guard identity.isRunning else { return }
        kill(identity.pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        // The process is not ours to wait for (it may be an orphan), so its end is looked for.
        while identity.isRunning && clock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                break
            }
        }
        if identity.isRunning { kill(identity.pid, SIGKILL) }
    }
}
