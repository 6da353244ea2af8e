import CinemaCore
import CinemaHTTP
import CinemaLibrary
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Sessions over HTTP: creating them (`/api/connect`), listing and reading them, their live
/// event feed, and the operator's tools (say, play, needs-help, end).
struct SessionController<Context: RequestContext>: Sendable {
    let engine: SessionEngine
    let library: LibraryDatabase
    let gate: OperatorGate
    let configuration: BackendConfiguration

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("api/connect", use: connect)
        // The seed's dashboard called the un-prefixed path.
        routes.post("connect", use: connect)
        routes.get("api/sessions", use: list)
        routes.get("api/sessions/:id", use: show)
        routes.get("api/sessions/:id/events", use: events)
        routes.post("api/sessions/:id/end", use: end)
        routes.post("api/sessions/:id/say", use: say)
        routes.post("api/sessions/:id/play", use: play)
        routes.post("api/sessions/:id/needs-help", use: needsHelp)
        return routes
    }

    // MARK: DTOs

    struct ConnectRequest: Decodable {
        var station: String?
        /// The seed's service configuration; stored as given.
        var config: JSONValue?
        /// Seconds of silence after which the session says goodbye, instead of the backend's
        /// `idleTimeout`: a station with a handset hangs up on a visitor who left it lifted.
        var idleTimeout: Double?

        enum CodingKeys: String, CodingKey {
            case station, config
            case idleTimeout = "idle_timeout"
        }
    }

    struct ConnectResponse: Encodable {
        var roomURL: String
        var token: String
        var identifier: String
        var expiresAt: String

        enum CodingKeys: String, CodingKey {
            case roomURL = "room_url"
            case token, identifier
            case expiresAt = "expires_at"
        }
    }

    struct SessionList: Encodable {
        var sessions: [SessionSummary]
        /// Where the next page starts (`?before=`); absent on the last page.
        var next: String?
    }

    struct SessionDetail: Encodable {
        var session: SessionSummary
        var events: [SessionEvent]
    }

    struct EndRequest: Decodable {
        var farewell: Bool?
    }

    struct SayRequest: Decodable {
        var text: String
    }

    struct PlayRequest: Decodable {
        var clipID: Int64

        enum CodingKeys: String, CodingKey {
            case clipID = "clip_id"
        }
    }

    struct NeedsHelpRequest: Decodable {
        var reason: String?
    }

    struct Acknowledgement: Encodable {
        var ok = true
        var session: SessionSummary
    }

    // MARK: Handlers

    @Sendable func connect(_ request: Request, context: Context) async throws -> Response {
        var request = request
        // Occupies the station, and its 409 names the live session.
        try gate.check(request)
        let body = try await request.decodeJSON(as: ConnectRequest.self, limit: configuration.maxBodyBytes, allowEmpty: true)
        if let station = body.station {
            guard (1...64).contains(station.count), station.allSatisfy({ $0.isLetter || $0.isNumber || "-_. ".contains($0) }) else {
                throw APIError.invalid("station", "should be 1–64 letters, digits, spaces, dots, dashes or underscores.")
            }
        }
        if let idle = body.idleTimeout, !SessionEvent.Created.idleTimeouts.contains(idle) {
            throw APIError.invalid("idle_timeout", "should be seconds from 1 to 86400.")
        }
        let config = try body.config.map { String(decoding: try JSONResponse.encoder.encode($0), as: UTF8.self) }
        let base = BaseURL.http(for: request, configuration: configuration)
        let connection: SessionEngine.Connection
        do {
            connection = try await engine.connect(
                station: body.station,
                config: config,
                idleTimeout: body.idleTimeout,
                baseURL: base,
                now: Date()
            )
        } catch let error as SessionStoreError {
            if case .stationBusy(_, let live) = error {
                throw APIError(.conflict, code: "station-busy", error.description, details: ["identifier": live])
            }
            throw APIError(.serviceUnavailable, code: "store-failed", error.description)
        } catch let error as SessionRequestError {
            throw error.apiError
        }
        let id = connection.session.id
        let expires = Date().addingTimeInterval(configuration.tokenLifetime)
        return try JSONResponse.make(
            ConnectResponse(
                roomURL: ServiceAddress.webSocket(base) + "/rooms/" + id,
                token: connection.token,
                identifier: id,
                expiresAt: Timestamp.string(expires)
            )
        )
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try gate.check(request)
        let parameters = request.uri.queryParameters
        let filterName = parameters.get("status") ?? "all"
        guard let filter = SessionListFilter(rawValue: filterName) else {
            throw APIError.invalid("status", "should be live, ended or all.")
        }
        var query = SessionQuery(status: filter, station: parameters.get("station"), limit: SessionQuery.pageSize)
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...SessionQuery.pageSize).contains(limit) else {
                throw APIError.invalid("limit", "should be a number of sessions from 1 to \(SessionQuery.pageSize).")
            }
            query.limit = limit
        }
        if let text = parameters.get("before") {
            guard let cursor = SessionCursor(text) else {
                throw APIError.invalid("before", "should be the 'next' of the page before, as it was given.")
            }
            query.before = cursor
        }
        // One more than asked tells whether there is a next page.
        var lookahead = query
        lookahead.limit += 1
        var records = try await storeCall { try await engine.store.sessions(lookahead) }
        let more = records.count > query.limit
        records = Array(records.prefix(query.limit))
        var summaries: [SessionSummary] = []
        for record in records {
            summaries.append(await summary(of: record))
        }
        let next = more ? records.last.map { SessionCursor(after: $0).description } : nil
        return try JSONResponse.make(SessionList(sessions: summaries, next: next))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try gate.check(request)
        let id = try context.parameters.require("id")
        guard let record = try await storeCall({ try await engine.store.session(id: id) }) else { throw APIError.unknownSession(id) }
        let events = try await storeCall { try await engine.store.events(of: id, after: 0) }
        return try JSONResponse.make(SessionDetail(session: await summary(of: record), events: events))
    }

    /// Server-Sent Events: the history after `Last-Event-ID` (or `?after=`), then every new
    /// event as it happens, until the session ends.
    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        try gate.check(request)
        let id = try context.parameters.require("id")
        let afterText = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters.get("after") ?? "0"
        guard let after = Int64(afterText), after >= 0 else { throw APIError.invalid("after", "should be an event sequence number (0 or more).") }
        let store = engine.store
        let live: LiveSession?
        switch try await storeCall({ try await engine.lookup(id) }) {
        case .unknown: throw APIError.unknownSession(id)
        case .ended: live = nil
        case .live(let session): live = session
        }
        // Subscribe before reading history, so that nothing falls between the two.
        let subscription = await live?.subscribe()
        let history = try await storeCall { try await store.events(of: id, after: after) }
            .filter { subscription == nil || $0.sequence <= subscription!.last }
        return EventStream.response(
            produce: { sink in
                for event in history { sink.send(Self.serverSentEvent(event)) }
                guard let subscription else { return }
                for await item in subscription.0 {
                    switch item {
                    case .event(let event) where event.sequence > after: sink.send(Self.serverSentEvent(event))
                    case .event: continue
                    case .signal(let signal): sink.send(Self.serverSentEvent(signal))
                    }
                }
            },
            finished: {
                if let subscription { await live?.unsubscribe(subscription.key) }
            }
        )
    }

    @Sendable func end(_ request: Request, context: Context) async throws -> Response {
        var request = request
        try gate.check(request)
        let body = try await request.decodeJSON(as: EndRequest.self, limit: configuration.maxBodyBytes, allowEmpty: true)
        let session = try await liveSession(context)
        await session.end(reason: "operator", farewell: body.farewell ?? false, now: Date())
        return try JSONResponse.make(Acknowledgement(session: SessionSummary(await session.snapshot, deviceConnected: await session.deviceConnected)))
    }

    @Sendable func say(_ request: Request, context: Context) async throws -> Response {
        var request = request
        try gate.check(request)
        let body = try await request.decodeJSON(as: SayRequest.self, limit: configuration.maxBodyBytes)
        let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.invalid("text", "is empty; type what the visitor says.") }
        guard text.count <= 2000 else { throw APIError.invalid("text", "is longer than 2000 characters.") }
        let session = try await liveSession(context)
        return try JSONResponse.make(try await answer { try await session.say(text, source: .operator, now: Date()) })
    }

    @Sendable func play(_ request: Request, context: Context) async throws -> Response {
        var request = request
        try gate.check(request)
        let body = try await request.decodeJSON(as: PlayRequest.self, limit: configuration.maxBodyBytes)
        let session = try await liveSession(context)
        guard try await library.clip(id: body.clipID) != nil else { throw SessionRequestError.unknownClip(body.clipID).apiError }
        return try JSONResponse.make(try await answer { try await session.play(clipID: body.clipID, now: Date()) })
    }

    @Sendable func needsHelp(_ request: Request, context: Context) async throws -> Response {
        var request = request
        try gate.check(request)
        let body = try await request.decodeJSON(as: NeedsHelpRequest.self, limit: configuration.maxBodyBytes, allowEmpty: true)
        let session = try await liveSession(context)
        let reason = body.reason.map { String($0.prefix(500)) } ?? "The station asked for help."
        await session.raiseNeedsHelp(reason: reason, now: Date())
        return try JSONResponse.make(Acknowledgement(session: SessionSummary(await session.snapshot, deviceConnected: await session.deviceConnected)))
    }

    // MARK: Helpers

    private func liveSession(_ context: Context) async throws -> LiveSession {
        let id = try context.parameters.require("id")
        switch try await storeCall({ try await engine.lookup(id) }) {
        case .live(let session): return session
        case .ended(let record): throw SessionRequestError.ended(reason: record.endReason ?? "ended").apiError
        case .unknown: throw APIError.unknownSession(id)
        }
    }

    private func summary(of record: SessionRecord) async -> SessionSummary {
        guard record.status.isLive, let live = await engine.live(record.id) else { return SessionSummary(record, deviceConnected: false) }
        return SessionSummary(await live.snapshot, deviceConnected: await live.deviceConnected)
    }

    private func answer(_ body: () async throws -> DecisionPayload) async throws -> DecisionPayload {
        do {
            return try await body()
        } catch let error as SessionRequestError {
            throw error.apiError
        }
    }

    /// No id: a signal is not in the log, and a reconnecting feed starts with the current ones.
    static func serverSentEvent(_ signal: LiveSignal) -> ServerSentEvent {
        ServerSentEvent(event: signal.name, json: signal.data)
    }

    static func serverSentEvent(_ event: SessionEvent) -> ServerSentEvent {
        ServerSentEvent(event: event.kind.rawValue, id: "\(event.sequence)", json: event)
    }
}

/// Runs a store call, turning its failure into a 503 that names the database.
func storeCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as SessionStoreError {
        throw APIError(.serviceUnavailable, code: "store-failed", error.description)
    }
}
