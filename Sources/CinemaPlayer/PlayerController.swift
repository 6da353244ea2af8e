import CinemaCore
import CinemaHTTP
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The player's HTTP API (PROTOCOL.md, "Player"): play a span, stop, status, events, health.
struct PlayerController: Sendable {
    let player: PlayerService
    /// Beyond loopback, everything but /health needs the operator token: what plays, and what
    /// the TV shows (the visitor's words among it).
    let gate: OperatorGate
    let maxBodyBytes = 64 << 10

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("play", use: play)
        router.post("stop", use: stop)
        router.get("status", use: status)
        router.get("events", use: events)
        router.get("health", use: health)
        router.get("screenshot", use: screenshot)
        router.get("metrics", use: metrics)
    }

    /// `/metrics` in the Prometheus text format: open, as the backend's is.
    @Sendable func metrics(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var text = MetricsText()
        let plays = await player.plays
        text.add("cinema_player_plays_total", .counter, help: "Clips asked for.", value: Double(plays.asked))
        text.add("cinema_player_plays_started_total", .counter, help: "Clips that started playing.", value: Double(plays.started))
        text.add("cinema_player_playing", .gauge, help: "1 while a clip plays, 0 on the idle screen.", value: await player.playing == nil ? 0 : 1)
        text.add("cinema_player_mpv_running", .gauge, help: "1 while mpv runs.", value: await player.processID() == nil ? 0 : 1)
        text.add(
            "cinema_player_mpv_restarts_total",
            .counter,
            help: "Times mpv went away and was started again.",
            value: Double(await player.restarts)
        )
        let failures = await player.failures
        for kind in PlayerService.Failure.allCases {
            text.add(
                "cinema_player_failures_total",
                .counter,
                help: "Failures by kind: mpv-start, health-check, hung, idle-screen.",
                labels: [("kind", kind.rawValue)],
                value: Double(failures[kind] ?? 0)
            )
        }
        return text.response
    }

    struct PlayRequest: Decodable {
        var videoPath: String?
        var url: String?
        var start: Double
        var end: Double
        var clipID: Int64?
        var overlay: Overlay?

        enum CodingKeys: String, CodingKey {
            case videoPath = "video_path"
            case url, start, end, overlay
            case clipID = "clip_id"
        }
    }

    struct Playing: Encodable {
        var status = "playing"
        var clipID: Int64?
        var start: Double
        var end: Double
        var position: Double

        enum CodingKeys: String, CodingKey {
            case status
            case clipID = "clip_id"
            case start, end, position
        }
    }

    @Sendable func play(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        var request = request
        let body = try await request.decodeJSON(as: PlayRequest.self, limit: maxBodyBytes)
        let source = try Self.source(of: body)
        guard body.start >= 0, body.end.isFinite else {
            throw APIError.badRequest("'start' must be 0 or more and 'end' a number.", code: "invalid-span")
        }
        guard body.end > body.start else {
            throw APIError.badRequest("'end' (\(body.end)) must be after 'start' (\(body.start)).", code: "invalid-span")
        }
        do {
            let started = try await player.play(
                PlayerService.Clip(source: source, start: body.start, end: body.end, clipID: body.clipID, overlay: body.overlay)
            )
            // `end` is where it really ends: the film's end when the span asked for more.
            return try JSONResponse.make(Playing(clipID: body.clipID, start: body.start, end: started.end, position: started.position))
        } catch let error as PlayerError {
            switch error {
            case .unplayable(let detail): throw APIError(.unprocessableContent, code: "unplayable", detail)
            case .spanOutsideFilm: throw APIError(.unprocessableContent, code: "span-outside-film", error.description)
            case .mpvUnreachable, .commandFailed, .nothingOnScreen:
                throw APIError(.serviceUnavailable, code: "mpv-unavailable", error.description)
            }
        }
    }

    /// What the TV shows now, as a PNG.
    @Sendable func screenshot(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cinema-screenshot-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try await player.screenshot(to: file.path)
        } catch PlayerError.nothingOnScreen {
            throw APIError(.conflict, code: "nothing-on-screen", PlayerError.nothingOnScreen.description)
        } catch let error as PlayerError {
            throw APIError(.serviceUnavailable, code: "mpv-unavailable", error.description)
        }
        let image = try Data(contentsOf: file)
        return Response(
            status: .ok,
            headers: [.contentType: "image/png", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: image))
        )
    }

    /// A local file that exists (an absolute path, no tricks), or an http(s) URL.
    static func source(of body: PlayRequest) throws -> String {
        switch (body.videoPath, body.url) {
        case (let path?, nil):
            guard path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw APIError.badRequest("'video_path' must be an absolute path without '..': \(path)", code: "invalid-path")
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw APIError.notFound("There is no video file at \(path).", code: "missing-file")
            }
            return path
        case (nil, let url?):
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw APIError.badRequest("'url' must be an http:// or https:// URL: \(url)", code: "invalid-url")
            }
            return url
        case (nil, nil):
            throw APIError.missingField("video_path")
        case (.some, .some):
            throw APIError.badRequest("Send 'video_path' or 'url', not both.", code: "ambiguous-source")
        }
    }

    @Sendable func stop(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        try await player.stop()
        return try JSONResponse.make(JSONValue.object(["status": .string("idle")]))
    }

    @Sendable func status(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        let playing = await player.playing
        var fields: [String: JSONValue] = [
            "playing": .bool(playing != nil),
            "idle_screen": .string(player.idleScreen.name),
            "restarts": .number(Double(await player.restarts)),
        ]
        if let pid = await player.processID() { fields["mpv_pid"] = .number(Double(pid)) }
        if let playing {
            if let id = playing.clipID { fields["clip_id"] = .number(Double(id)) }
            fields["start"] = .number(playing.start)
            fields["end"] = .number(playing.end)
            if case .number(let position) = try? await player.property("time-pos") { fields["position"] = .number(position) }
            if let overlay = playing.overlay, !overlay.isEmpty {
                fields["overlay"] = .object([
                    "visitor": overlay.visitor.map(JSONValue.string) ?? .null, "line": overlay.line.map(JSONValue.string) ?? .null,
                ])
            }
        }
        return try JSONResponse.make(JSONValue.object(fields))
    }

    @Sendable func health(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let running = await player.processID() != nil
        return try JSONResponse.make(
            JSONValue.object(["status": .string(running ? "ok" : "degraded"), "mpv_running": .bool(running)]),
            status: running ? .ok : .serviceUnavailable
        )
    }

    @Sendable func events(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        let events = await player.subscribe()
        let player = player
        return EventStream.response(produce: { sink in
            // The stream has no end of its own: it ends when the player shuts down, or the
            // server would wait for it for ever.
            await withGracefulShutdownHandler {
                for await event in events { sink.send(Self.serverSentEvent(event)) }
            } onGracefulShutdown: {
                player.closeListeners()
            }
        })
    }

    static func serverSentEvent(_ event: PlayerService.Event) -> ServerSentEvent {
        let (name, fields): (String, [String: JSONValue]) =
            switch event {
            case .started(let clipID, let start, let end):
                ("started", ["clip_id": clipID.map { .number(Double($0)) } ?? .null, "start": .number(start), "end": .number(end)])
            case .ended(let clipID, let reason):
                // mpv says "stop"; the protocol says "stopped".
                ("ended", ["clip_id": clipID.map { .number(Double($0)) } ?? .null, "reason": .string(reason == "stop" ? "stopped" : reason)])
            case .error(let message): ("error", ["message": .string(message)])
            case .mpvRestarted(let count): ("mpv-restarted", ["restarts": .number(Double(count))])
            case .idle: ("idle", ["idle_screen": .string("shown")])
            }
        return ServerSentEvent(event: name, json: fields)
    }
}
