import CinemaCore
import CinemaDirector
import CinemaLibrary
import Logging

/// What every live session shares: where its events go, who decides, and where its turns run.
struct SessionServices: Sendable {
    let store: any SessionStore
    let director: any Director
    let library: LibraryDatabase
    let configuration: BackendConfiguration
    let metrics: BackendMetrics
    let speech: any SpeechStage
    let work: SessionWork
    let logger: Logger

    var timing: SessionStateMachine.Timing {
        SessionStateMachine.Timing(
            idleTimeout: configuration.idleTimeout,
            joinTimeout: configuration.joinTimeout,
            gracePeriod: configuration.gracePeriod,
            clipSlack: configuration.clipSlack
        )
    }
}

/// Hands work from sessions to the engine's task group, which runs it: turns are children of
/// the backend's service, never loose tasks.
struct SessionWork: Sendable {
    enum Job: Sendable {
        case turn(LiveSession, PendingTurn, number: Int)
        case ended(String)
        /// The backend is stopping: end every session, then stop taking work.
        case shutdown
    }

    let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init() {
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    func submit(_ job: Job) { continuation.yield(job) }
    func finish() { continuation.finish() }
}

/// Why a session could not do what was asked of it. The HTTP layer says it to callers
/// (`SessionRequestError+API`); nothing below it knows of status codes.
enum SessionRequestError: Error, Equatable {
    case ended(reason: String)
    case directorFailed(String)
    case unknownClip(Int64)
    /// The backend is stopping: no new sessions.
    case shuttingDown
}
