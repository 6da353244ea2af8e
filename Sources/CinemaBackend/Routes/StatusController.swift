import CinemaCore
import CinemaDirector
import CinemaHTTP
import CinemaLibrary
import CinemaSpeech
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The seed's status endpoints, same paths and shapes: `/conversation-status/{id}`,
/// `/update-status`, `/health`, `/api/cleanup-old-sessions`.
struct StatusController<Context: RequestContext>: Sendable {
    let engine: SessionEngine
    let library: LibraryDatabase
    let directorName: String
    let speech: any SpeechStage
    let gate: OperatorGate
    let configuration: BackendConfiguration

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("conversation-status/:id", use: conversationStatus)
        routes.post("update-status", use: updateStatus)
        routes.get("health", use: health)
        routes.delete("api/cleanup-old-sessions", use: cleanup)
        return routes
    }

    struct UpdateStatusRequest: Decodable {
        var identifier: String
        var status: String
        var context: JSONValue?
    }

    struct OK: Encodable {
        var ok = true
    }

    struct Health: Encodable {
        struct Library: Encodable {
            var films: Int
            var cues: Int
        }

        struct Sessions: Encodable {
            var live: Int
        }

        var status: String
        var version: String
        var library: Library?
        var sessions: Sessions
        var speech: String
        /// How visitors are heard right now (Whisper, or the fallback while its service is down).
        var hearing: SpeechStatus
        var director: String
        var failing: String?
        var error: String?
    }

    struct Removed: Encodable {
        var removed: Int
    }

    @Sendable func conversationStatus(_ request: Request, context: Context) async throws -> Response {
        // What visitors said.
        try gate.check(request)
        let id = try context.parameters.require("id")
        let lastSeenText = request.uri.queryParameters.get("last_seen") ?? "0"
        guard let lastSeen = Int64(lastSeenText), lastSeen >= 0 else {
            throw APIError.invalid("last_seen", "should be the sequence number of the last event seen (0 or more).")
        }
        let store = engine.store
        guard let record = try await storeCall({ try await store.session(id: id) }) else { throw APIError.unknownSession(id) }
        let events = try await storeCall { try await store.events(of: id, after: 0) }
        return try JSONResponse.make(ConversationStatus(record: record, events: events, lastSeen: lastSeen))
    }

    @Sendable func updateStatus(_ request: Request, context: Context) async throws -> Response {
        var request = request
        try gate.check(request)
        let body = try await request.decodeJSON(as: UpdateStatusRequest.self, limit: configuration.maxBodyBytes)
        guard !body.status.isEmpty, body.status.count <= 200 else { throw APIError.invalid("status", "should be 1–200 characters.") }
        switch try await storeCall({ try await engine.lookup(body.identifier) }) {
        case .live(let session):
            await session.reportStatus(body.status, context: body.context, now: Date())
        case .ended(let record):
            throw SessionRequestError.ended(reason: record.endReason ?? "ended").apiError
        case .unknown:
            throw APIError.unknownSession(body.identifier)
        }
        return try JSONResponse.make(OK())
    }

    /// 200 when every part works; 503 naming the part that does not.
    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        var health = Health(
            status: "ok",
            version: CinemaVersion.current,
            library: nil,
            sessions: Health.Sessions(live: await engine.liveCount),
            speech: speech.name,
            hearing: await speech.status(),
            director: directorName
        )
        do {
            let statistics = try await library.statistics()
            health.library = Health.Library(films: statistics.films, cues: statistics.cues)
            if statistics.spokenCues == 0 {
                health.status = "degraded"
                health.failing = "library"
                health.error = "The library at \(library.path) has no spoken lines. Run `cinema demo`, or `cinema index DIR` for your own films."
            }
        } catch {
            health.status = "degraded"
            health.failing = "library"
            health.error = error.description
        }
        if health.failing == nil {
            do {
                _ = try await engine.store.counts()
            } catch {
                health.status = "degraded"
                health.failing = "sessions"
                health.error = error.description
            }
        }
        return try JSONResponse.make(health, status: health.failing == nil ? .ok : .serviceUnavailable)
    }

    @Sendable func cleanup(_ request: Request, context: Context) async throws -> Response {
        try gate.check(request)
        let hoursText = request.uri.queryParameters.get("older_than_hours") ?? "24"
        guard let hours = Double(hoursText), hours >= 0, hours.isFinite else {
            throw APIError.invalid("older_than_hours", "should be a number of hours (0 or more).")
        }
        let store = engine.store
        let removed = try await storeCall { try await store.deleteEnded(before: Date().addingTimeInterval(-hours * 3600)) }
        return try JSONResponse.make(Removed(removed: removed))
    }
}
