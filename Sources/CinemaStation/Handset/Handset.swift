import CinemaCore
import Foundation
import Logging
import ServiceLifecycle

/// The visitor's handset: lifting it starts a visit (a session for this station, and its
/// client), hanging it up ends it. The operator's Start and Stop work beside it: a visit the
/// operator started is ended by hanging up too, and lifting while one is live joins it.
actor Handset: Service {
    /// What the dashboard shows.
    struct Status: Sendable, Equatable {
        enum State: String, Sendable {
            /// Not read yet.
            case unknown
            case lifted
            case resting
            /// The device cannot be read; `problem` says why.
            case unavailable
        }

        var source: String
        var state: State = .unknown
        var problem: String?
        /// The session the handset started or joined, while it lasts.
        var visit: String?
        var changedAt: Date?
        /// Lifts and hang-ups read since the station started.
        var changes = 0

        var json: JSONValue {
            .object([
                "source": .string(source),
                "state": .string(state.rawValue),
                "problem": problem.map(JSONValue.string) ?? .null,
                "visit": visit.map(JSONValue.string) ?? .null,
                "changedAt": changedAt.map { .string(Timestamp.string($0)) } ?? .null,
            ])
        }
    }

    private let hook: HookSwitch
    private let visits: BackendVisits
    private let supervisor: ClientSupervisor
    private let logger: Logger
    private(set) var status: Status
    private var watchers: [UUID: AsyncStream<Void>.Continuation] = [:]

    init(hook: HookSwitch, visits: BackendVisits, supervisor: ClientSupervisor, logger: Logger) {
        self.hook = hook
        self.visits = visits
        self.supervisor = supervisor
        self.logger = logger
        status = Status(source: hook.source.description)
    }

    /// Reads the switch until the station stops; a device that goes away is read again, after a
    /// pause that grows while it stays away.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff = Backoff(initial: .seconds(1), maximum: .seconds(30))
            while !Task.isCancelled {
                do throws(HookReadError) {
                    try await self.hook.run { lifted in await self.changed(lifted: lifted) }
                    return
                } catch {
                    await self.unavailable(error.description)
                    try? await Task.sleep(for: backoff.next())
                }
            }
        }
    }

    /// Called (with a change) whenever the status changes.
    func watch() -> (AsyncStream<Void>, UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let key = UUID()
        watchers[key] = continuation
        return (stream, key)
    }

    func unwatch(_ key: UUID) { watchers.removeValue(forKey: key)?.finish() }

    private func publish() {
        for watcher in watchers.values { watcher.yield() }
    }

    private func unavailable(_ problem: String) {
        guard status.problem != problem else { return }
        logger.error("\(problem)")
        status.state = .unavailable
        status.problem = problem
        publish()
    }

    private func changed(lifted: Bool) async {
        status.state = lifted ? .lifted : .resting
        status.changes += 1
        status.problem = nil
        status.changedAt = Date()
        publish()
        logger.notice(lifted ? "The handset was lifted: starting a visit" : "The handset was hung up: ending the visit")
        do {
            if lifted { try await startVisit() } else { try await endVisit() }
        } catch {
            logger.error("\(error.description)")
            status.problem = error.description
        }
        publish()
    }

    private func startVisit() async throws(BackendVisits.Failure) {
        switch try await visits.open() {
        case .alreadyLive(let identifier):
            status.visit = identifier
        case .new(let identifier, let roomURL, let token):
            status.visit = identifier
            do {
                _ = try await supervisor.start(.init(roomURL: roomURL, token: token, backendURL: visits.backendURL, identifier: identifier))
            } catch {
                // A session nobody joins ends on its own; ending it now frees the station.
                try? await visits.end(identifier)
                status.visit = nil
                throw BackendVisits.Failure(description: "The visit's client was not started: \(error).")
            }
        }
    }

    private func endVisit() async throws(BackendVisits.Failure) {
        // A visit the operator started is the visitor's too.
        var identifier = status.visit
        if identifier == nil { identifier = try await visits.live() }
        guard let identifier else { return }
        try await visits.end(identifier)
        status.visit = nil
    }
}
