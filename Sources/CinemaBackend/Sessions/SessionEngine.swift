import CinemaCore
import CinemaDirector
import CinemaLibrary
import Foundation
import Logging
public import ServiceLifecycle

/// The live sessions of one backend: creates them, finds them for rooms and the API, runs their
/// turns and deadlines, and ends them all when the backend stops.
///
/// As a `Service`, its `run()` owns the task group in which every turn runs, and the timer
/// that checks deadlines (idle, grace, clip watchdog).
public actor SessionEngine: Service {
    private let services: SessionServices
    private let signer: RoomTokenSigner
    private var sessions: [String: LiveSession] = [:]
    private var stopping = false
    /// Where turns run: threads of their own, so that a turn's hops (the director, its library
    /// reads, the event writes) never queue behind the sockets' audio on the cooperative pool.
    private nonisolated let turns = DirectorExecutor(label: "cinema.turns")

    init(services: SessionServices, signer: RoomTokenSigner) {
        self.services = services
        self.signer = signer
    }

    nonisolated var store: any SessionStore { services.store }
    nonisolated var configuration: BackendConfiguration { services.configuration }
    nonisolated var metrics: BackendMetrics { services.metrics }

    /// Brings back the sessions that were live when the backend last stopped, however it
    /// stopped. Their devices have the grace period to reconnect.
    func restore(now: Date) async throws(SessionStoreError) {
        for record in try await services.store.sessions(status: .live, limit: 100_000) {
            let history = try await services.store.events(of: record.id, after: 0)
            sessions[record.id] = LiveSession(record: record, services: services, history: history, now: now)
        }
        services.metrics.live(sessions.count)
        if !sessions.isEmpty { services.logger.notice("Resumed live sessions", metadata: ["sessions": "\(sessions.count)"]) }
    }

    public struct Connection: Sendable {
        public var session: SessionRecord
        public var token: String
    }

    /// A new session for `station` (at most one live per station).
    func connect(station: String?, config: String?, idleTimeout: Double? = nil, baseURL: String, now: Date) async throws -> Connection {
        guard !stopping else { throw SessionRequestError.shuttingDown }
        let id = UUID().uuidString.lowercased()
        var record = SessionRecord(id: id, station: station, config: config, baseURL: baseURL, createdAt: now)
        record.lastSequence = 1
        let created = SessionEvent(
            session: id,
            sequence: 1,
            at: now,
            body: .created(.init(station: station, baseURL: baseURL, config: config, idleTimeout: idleTimeout))
        )
        try await services.store.create(record, events: [created])
        sessions[id] = LiveSession(record: record, services: services, idleTimeout: idleTimeout, now: now)
        services.metrics.sessionCreated()
        services.metrics.live(sessions.count)
        services.logger.info("Session created", metadata: ["session.id": "\(id)", "session.station": "\(station ?? "-")"])
        return Connection(session: record, token: signer.issue(room: id, expires: now.addingTimeInterval(configuration.tokenLifetime)))
    }

    enum Lookup: Sendable {
        case live(LiveSession)
        case ended(SessionRecord)
        case unknown
    }

    func lookup(_ id: String) async throws(SessionStoreError) -> Lookup {
        if let live = sessions[id], await live.isLive { return .live(live) }
        if let record = try await services.store.session(id: id) {
            // A session the store calls live but this process does not know cannot happen
            // with one backend; report it as it is stored.
            return record.status.isLive ? .unknown : .ended(record)
        }
        return .unknown
    }

    func live(_ id: String) -> LiveSession? { sessions[id] }

    var liveCount: Int { sessions.count }

    func verify(token: String?, room: String, now: Date) throws(RoomTokenError) {
        guard let token, !token.isEmpty else { throw .missing }
        try signer.verify(token, room: room, now: now)
    }

    // MARK: Service

    public nonisolated func run() async throws {
        let work = services.work
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.sweep() }
                group.addTask { await self.forgetOldSessions() }
                for await job in work.jobs {
                    switch job {
                    case .turn(let session, let pending, let number):
                        group.addTask(executorPreference: turns) { await session.runTurn(pending, number: number) }
                    case .ended(let id):
                        await self.forget(id)
                    case .shutdown:
                        await self.endAll()
                        work.finish()
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            work.submit(.shutdown)
        }
    }

    private func forget(_ id: String) {
        sessions.removeValue(forKey: id)
        services.metrics.live(sessions.count)
    }

    /// Checks every session's deadlines, a few times a second.
    private func sweep() async {
        let interval = Duration.milliseconds(Int(configuration.tickInterval * 1000))
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            let now = Date()
            for session in Array(sessions.values) { await session.tick(now: now) }
        }
    }

    /// Every sweep, ended sessions older than the retention go (`deleteOldSessions`): a
    /// gallery's weeks of visits would otherwise grow `backend.sqlite` without end.
    private func forgetOldSessions() async {
        guard configuration.retentionDays > 0 else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(configuration.retentionSweep))
            } catch {
                return
            }
            await deleteOldSessions(now: Date())
        }
    }

    /// Deletes the ended sessions (and their events) older than the retention; a failure is
    /// logged and counted, and tried again at the next sweep. Also run as the backend starts.
    func deleteOldSessions(now: Date) async {
        let days = configuration.retentionDays
        guard days > 0 else { return }
        do {
            let removed = try await services.store.deleteEnded(before: now.addingTimeInterval(-days * 86_400))
            if removed > 0 { services.logger.notice("Deleted \(removed) session(s) that ended over \(Int(days)) days ago") }
        } catch {
            services.metrics.error("store")
            services.logger.error("Could not delete old sessions", metadata: ["error": "\(error)"])
        }
    }

    /// Tells every live session's sockets `session-ended` (reason `shutdown`), saves it, and
    /// gives the sockets a moment to send it before the server closes them.
    private func endAll() async {
        stopping = true
        let now = Date()
        var sockets: [RoomConnection] = []
        for session in sessions.values { sockets += await session.shutDown(now: now) }
        sessions.removeAll()
        let connections = sockets
        services.metrics.live(0)
        guard !connections.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for connection in connections { _ = try? await connection.drained.value() }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
            }
            await group.next()
            // Whichever finished first, release the other.
            for connection in connections { connection.drained.fulfil(.success(())) }
            group.cancelAll()
        }
    }
}
