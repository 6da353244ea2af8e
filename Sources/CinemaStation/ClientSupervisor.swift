public import CinemaCore
public import Foundation
public import Logging
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Starts one `cinema client` per session and keeps it going for as long as its session lives:
/// a client that fails is started again with backoff, one whose session ended is left ended, and
/// each is recorded in `station.sqlite`, so that a station started again can stop the ones a
/// crash of its own left behind.
public actor ClientSupervisor {
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

    private struct Running {
        var task: Task<Void, Never>
        var identity: ProcessIdentity?
        var stopping = false
        /// The wait before the next start, cut short when the client is stopped.
        var pause: Task<Void, Never>?
    }

    /// A session's client, from the moment a start for it is accepted until it is over for good.
    private struct Session {
        /// The first start's outcome, which later starts for the session answer with too.
        var ready: Task<Result<ClientRecord, StationError>, Never>
        /// Its record, once inserted.
        var record: Int64?
    }

    public let settings: Settings
    private let database: StationDatabase
    private let sessions: any SessionProbe
    private let logger: Logger
    private var running: [Int64: Running] = [:]
    /// The latest record of each supervised client.
    private var records: [Int64: ClientRecord] = [:]
    /// One client per session, by the session's identifier.
    private var bySession: [String: Session] = [:]
    /// Whoever follows the clients' changes (the dashboard's live feed).
    private var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]
    /// The station is stopping: no watching from now on.
    private var shuttingDown = false

    public init(settings: Settings, database: StationDatabase, sessions: any SessionProbe, logger: Logger) {
        self.settings = settings
        self.database = database
        self.sessions = sessions
        self.logger = logger
    }

    // MARK: Starting

    /// What `start` answers: the session's client, and whether it ran already.
    public struct Started: Sendable {
        public var record: ClientRecord
        /// The session had a client running or waiting to be started again: that one is
        /// answered, and nothing new was spawned.
        public var alreadyRunning: Bool
    }

    /// Starts the session's client and returns its record once the process runs; a session
    /// whose client runs, or waits to be started again, keeps that one.
    public func start(_ launch: Launch) async throws(StationError) -> Started {
        // Checked and reserved before anything awaits: starts for one session that arrive
        // together (a double click, a retry, a script) must find the first one's reservation,
        // not each spawn a client that then fights the others over the room.
        let room = try SessionRoom(launch, backend: settings.backendURL)
        guard !shuttingDown else { throw .spawn("the station is stopping") }
        if let session = bySession[room.identifier] {
            let first = try await session.ready.value.get()
            return Started(record: first.id.flatMap { records[$0] } ?? first, alreadyRunning: true)
        }
        let ready = Task { await self.begin(room) }
        bySession[room.identifier] = Session(ready: ready)
        return Started(record: try await ready.value.get(), alreadyRunning: false)
    }

    /// Records the session's client and runs it; the outcome of its first start.
    private func begin(_ room: SessionRoom) async -> Result<ClientRecord, StationError> {
        do throws(StationError) {
            do {
                try FileManager.default.createDirectory(atPath: settings.logsDirectory, withIntermediateDirectories: true)
            } catch {
                throw .spawn("could not create the log folder \(settings.logsDirectory): \(error)")
            }
            let record = try await database.insert(
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
            guard let id = record.id else { throw .spawn("the client's record got no id") }
            bySession[room.identifier]?.record = id
            let (first, firstContinuation) = AsyncStream.makeStream(of: Result<ClientRecord, StationError>.self)
            records[id] = record
            let task = Task { await self.supervise(id: id, record: record, room: room, first: firstContinuation) }
            running[id] = Running(task: task)
            var iterator = first.makeAsyncIterator()
            guard let outcome = await iterator.next() else { throw .spawn("the client ended before it started") }
            return outcome
        } catch {
            bySession[room.identifier] = nil
            return .failure(error)
        }
    }

    /// Runs the client, and again after each failure while its session lives, unless the way it
    /// failed says it never can succeed.
    private func supervise(
        id: Int64,
        record: ClientRecord,
        room: SessionRoom,
        first: AsyncStream<Result<ClientRecord, StationError>>.Continuation
    ) async {
        var record = record
        var backoff = settings.backoff
        var crashes: [ContinuousClock.Instant] = []
        var helpRaised = false
        var failure: StationError?
        let log = RotatingLog(path: record.logPath)
        defer {
            log.close()
            first.finish()
        }
        let metadata: Logger.Metadata = ["session": "\(room.identifier)"]
        while true {
            let run: (status: Int32, lastLines: [String])
            let began = ContinuousClock.now
            do {
                run = try await runOnce(id: id, room: room, log: log) { identity in
                    await self.began(id, as: identity, first: first)
                }
                record = records[id] ?? record
            } catch {
                logger.error("Could not start a client: \(error)", metadata: metadata)
                failure = .spawn("\(error)")
                break
            }
            let status = run.status
            record.exitCode = status
            log.write(line: "[station] the client exited with status \(status)")
            if running[id]?.stopping == true || status == 0 { break }
            if let meaning = ClientExit.hopeless(status) {
                // The same token, room and settings would fail the same way: a person must act.
                log.write(line: "[station] not started again: \(meaning)")
                logger.error("A client cannot succeed (status \(status), \(meaning)); not starting it again", metadata: metadata)
                await sessions.raiseNeedsHelp(
                    room.identifier,
                    backend: room.backendURL,
                    reason: ClientExit.reason(status: status, meaning: meaning, log: record.logPath, lastLines: run.lastLines)
                )
                break
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
                    reason: "The TV's client failed \(crashes.count) times within \(settings.crashWindow); see \(record.logPath)"
                )
            }
            guard await sessions.isLive(room.identifier, backend: room.backendURL) else { break }
            record.state = .restarting
            record.restarts += 1
            await save(record)
            let pause = backoff.next()
            logger.warning("A client failed (status \(status)); starting it again in \(pause)", metadata: metadata)
            let wait = Task { _ = try? await Task.sleep(for: pause) }
            running[id]?.pause = wait
            await wait.value
            running[id]?.pause = nil
            if running[id]?.stopping == true { break }
        }
        // Over for good: it failed to start, exited 0, was stopped, cannot succeed, or its
        // session ended. A start for the session from now on starts a new client.
        record.state = .exited
        await save(record)
        if let failure { first.yield(.failure(failure)) }
        running[id] = nil
        if bySession[room.identifier]?.record == id { bySession[room.identifier] = nil }
    }

    private func save(_ record: ClientRecord) async {
        if let id = record.id { records[id] = record }
        try? await database.update(record)
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

    /// One run of the client; `started` is called with its identity once it runs. Returns the
    /// exit status as a shell reports it, and the last lines it wrote (for a call for help).
    private func runOnce(
        id: Int64,
        room: SessionRoom,
        log: RotatingLog,
        started: @escaping @Sendable (ProcessIdentity) async -> Void
    ) async throws -> (status: Int32, lastLines: [String]) {
        var environment: [Environment.Key: String] = [
            "CINEMA_ROOM_URL": room.roomURL,
            "CINEMA_TOKEN": room.token,
            "CINEMA_BACKEND_URL": room.backendURL,
            "CINEMA_PLAYER_URL": settings.playerURL,
        ]
        for (key, value) in settings.environment { environment[Environment.Key(stringLiteral: key)] = value }
        // The operator's microphone choice, read at each start: a client started again after a
        // change uses the new one.
        if let device = try? await database.setting(StationSettings.audioDevice), !device.isEmpty {
            environment["CINEMA_AUDIO_DEVICE"] = device
        }
        let result = try await Subprocess.run(
            .path(FilePath(settings.executable)),
            arguments: ["client"],
            environment: .inherit.updating(environment),
            input: .none,
            output: .sequence,
            error: .combinedWithOutput
        ) { execution in
            let pid = execution.processIdentifier.value
            let identity = ProcessIdentity.current(pid) ?? ProcessIdentity(pid: pid, start: 0)
            self.running(id, as: identity)
            // Told to stop while it was starting: nobody else knew its PID yet.
            if self.running[id]?.stopping == true {
                Task { await Self.terminate(identity, grace: self.settings.grace) }
            }
            await started(identity)
            var lastLines: [String] = []
            for try await line in execution.standardOutput.strings() {
                log.write(line: line)
                if !line.allSatisfy(\.isWhitespace) { lastLines = Array((lastLines + [line]).suffix(ClientExit.linesKept)) }
            }
            return lastLines
        }
        return (result.terminationStatus.shellStatus, result.closureResult)
    }

    private func running(_ id: Int64, as identity: ProcessIdentity) {
        running[id]?.identity = identity
    }

    /// A run of the client has begun: recorded, and the first one answers `start`.
    private func began(_ id: Int64, as identity: ProcessIdentity, first: AsyncStream<Result<ClientRecord, StationError>>.Continuation) async {
        guard var record = records[id] else { return }
        record.pid = identity.pid
        record.processStart = identity.start
        record.state = .running
        record.exitCode = nil
        records[id] = record
        await save(record)
        first.yield(.success(record))
    }

    /// Returns once the client of `record` is over for good (its session ended, or it was
    /// stopped), not merely between two runs.
    public func finished(_ record: Int64) async {
        await running[record]?.task.value
    }

    // MARK: Stopping

    /// Stops a client: SIGTERM, then SIGKILL after the grace. It is not started again.
    public func stop(pid: Int32) async throws(StationError) -> ClientRecord {
        guard let (id, entry) = running.first(where: { $0.value.identity?.pid == pid }) else {
            throw .unknownClient(pid)
        }
        await halt(id)
        await entry.task.value
        guard let record = records[id] else { throw .unknownClient(pid) }
        return record
    }

    /// Every client: the station is stopping. Watchers are let go too.
    public func stopAll() async {
        shuttingDown = true
        defer {
            for watcher in watchers.values { watcher.finish() }
            watchers.removeAll()
        }
        for id in running.keys { await halt(id) }
        for entry in running.values { await entry.task.value }
    }

    /// Marks a client stopping, cuts short its pause before a restart, and ends its process if
    /// one runs. The identity is read now, not before: a restart may have begun meanwhile.
    private func halt(_ id: Int64) async {
        running[id]?.stopping = true
        // A client being stopped is not the session's any more: a start meanwhile starts anew.
        if let identifier = records[id]?.identifier, bySession[identifier]?.record == id { bySession[identifier] = nil }
        running[id]?.pause?.cancel()
        if let identity = running[id]?.identity { await Self.terminate(identity, grace: settings.grace) }
    }

    /// Clients a previous run of the station left running (the same PID and start time as
    /// recorded): stopped, and recorded as exited. Returns their PIDs.
    public func stopOrphans() async throws(StationError) -> [Int32] {
        var stopped: [Int32] = []
        for var record in try await database.unfinished() where running[record.id ?? -1] == nil {
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

    /// SIGTERM, then SIGKILL if it still runs after `grace`. Checked against the start time, so
    /// that a PID handed to another process meanwhile is never signalled.
    static func terminate(_ identity: ProcessIdentity, grace: Duration) async {
        guard identity.isRunning else { return }
        kill(identity.pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        // The process is not ours to wait for (it may be an orphan), so its end is looked for.
        while identity.isRunning && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if identity.isRunning { kill(identity.pid, SIGKILL) }
    }
}
