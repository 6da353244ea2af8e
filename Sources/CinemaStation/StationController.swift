import CinemaCore
import CinemaHTTP
import Foundation
import HTTPTypes
import Hummingbird

/// The station's HTTP API (PROTOCOL.md, "Station") and the dashboard it serves.
struct StationController: Sendable {
    let supervisor: ClientSupervisor
    let database: StationDatabase
    let identity: StationIdentity
    let assets: DashboardAssets
    let player: PlayerProbe
    let gate: OperatorGate
    let handset: Handset?
    /// For the player, when it is beyond loopback and wants it.
    let operatorToken: String?
    let maxBodyBytes = 64 << 10

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/", use: dashboardPage)
        router.get(":file", use: dashboardFile)
        router.get("api/station", use: station)
        router.post("api/start_pi_client", use: startClient)
        router.get("api/clients", use: clients)
        router.get("api/clients/events", use: clientEvents)
        router.post("api/clients/:pid/stop", use: stopClient)
        router.get("api/audio-devices", use: audioDevices)
        router.post("api/audio-device", use: chooseAudioDevice)
        router.get("health", use: health)
        router.get("metrics", use: metrics)
        router.get("api/screenshot", use: screenshot)
    }

    // MARK: The dashboard

    @Sendable func dashboardPage(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try serve("index.html")
    }

    @Sendable func dashboardFile(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("file")
        guard DashboardAssets.types[name] != nil, name != "index.html" else {
            throw APIError.notFound("There is no \(request.uri.path) here; the dashboard is at /.", code: "not-found")
        }
        return try serve(name)
    }

    private func serve(_ name: String) throws -> Response {
        guard let file = assets.files[name] else {
            throw APIError(
                .serviceUnavailable,
                code: "dashboard-missing",
                "The dashboard's files are missing: looked in \(assets.searched.joined(separator: ", ")). Rebuild with swift build, keep the cinema-chat_CinemaStation.resources folder beside the cinema executable, or point CINEMA_DASHBOARD_DIR at Sources/CinemaStation/Dashboard."
            )
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.body))
        )
    }

    /// What the dashboard needs to know first: this station's name (its sessions are found by
    /// it after a reload), the backend it uses by default, and its player.
    @Sendable func station(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try JSONResponse.make(
            JSONValue.object([
                "name": .string(identity.name),
                "backendUrl": .string(identity.backendURL),
                "playerUrl": .string(identity.playerURL),
                "version": .string(CinemaVersion.current),
                "handset": await handset?.status.json ?? .null,
                "silenceTimeout": identity.silenceTimeout.map(JSONValue.number) ?? .null,
            ])
        )
    }

    /// Server-Sent Events: `clients` (the list, as GET /api/clients) at once and after every
    /// change; `player` (is the player answering) with each. Ends when the station stops.
    @Sendable func clientEvents(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (changes, key) = await supervisor.watch()
        let handsetWatch = await handset?.watch()
        return EventStream.response(
            produce: { [database, player, handset] sink in
                /// The list as it stands, and whether the player answers.
                func update() async {
                    guard let clients = try? await database.clients().map(Self.json) else { return }
                    sink.send(ServerSentEvent(event: "clients", json: JSONValue.array(clients)))
                    sink.send(ServerSentEvent(event: "player", json: await player.status()))
                }
                func updateHandset() async {
                    if let handset { sink.send(ServerSentEvent(event: "handset", json: await handset.status.json)) }
                }
                await update()
                await updateHandset()
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { for await _ in changes { await update() } }
                    if let handsetWatch { group.addTask { for await _ in handsetWatch.0 { await updateHandset() } } }
                    // Either ending (the station stopping) ends the feed.
                    await group.next()
                    group.cancelAll()
                }
            },
            finished: { [supervisor, handset] in
                await supervisor.unwatch(key)
                if let handsetWatch { await handset?.unwatch(handsetWatch.1) }
            }
        )
    }

    struct StartRequest: Decodable {
        var roomUrl: String
        var token: String
        var backendUrl: String
        var identifier: String?
    }

    /// One client per session: a start for a session whose client runs (or waits to be started
    /// again) answers with that client and spawns nothing.
    @Sendable func startClient(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        var request = request
        let body = try await request.decodeJSON(as: StartRequest.self, limit: maxBodyBytes)
        let started: ClientSupervisor.Started
        do {
            started = try await supervisor.start(
                .init(roomURL: body.roomUrl, token: body.token, backendURL: body.backendUrl, identifier: body.identifier)
            )
        } catch {
            switch error {
            case .spawn(let detail): throw APIError(.unprocessableContent, code: "client-not-started", "The client was not started: \(detail).")
            case .wrongBackend: throw APIError(.unprocessableContent, code: "wrong-backend", error.description)
            case .database, .unknownClient: throw error
            }
        }
        let record = started.record
        let session = record.identifier ?? body.roomUrl
        let message =
            started.alreadyRunning
            ? "The client for \(session) was already running (PID \(record.pid)); no other was started. Its log is \(record.logPath)"
            : "Client started for \(session); its log is \(record.logPath)"
        return try JSONResponse.make(
            JSONValue.object([
                "success": .bool(true),
                "message": .string(message),
                "pid": .number(Double(record.pid)),
                "roomUrl": .string(record.roomURL),
                "alreadyRunning": .bool(started.alreadyRunning),
            ])
        )
    }

    @Sendable func clients(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let records = try await database.clients()
        return try JSONResponse.make(JSONValue.array(records.map(Self.json)))
    }

    @Sendable func stopClient(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        let text = try context.parameters.require("pid")
        guard let pid = Int32(text), pid > 0 else { throw APIError.invalid("pid", "should be a process id, not '\(text)'.") }
        let record: ClientRecord
        do {
            record = try await supervisor.stop(pid: pid)
        } catch {
            guard case .unknownClient = error else { throw error }
            throw APIError.notFound(error.description, code: "unknown-client")
        }
        return try JSONResponse.make(Self.json(record))
    }

    @Sendable func audioDevices(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let chosen = try await database.setting(StationSettings.audioDevice).flatMap { $0.isEmpty ? nil : $0 }
        let devices = await AudioDevice.list()
        return try JSONResponse.make(
            JSONValue.object([
                "devices": .array(
                    devices.map { .object(["id": .string($0.id), "name": .string($0.name), "chosen": .bool($0.id == chosen)]) }
                ),
                "chosen": chosen.map(JSONValue.string) ?? .null,
            ])
        )
    }

    struct DeviceChoice: Decodable {
        var deviceId: String?

        enum CodingKeys: String, CodingKey {
            case deviceId = "device_id"
        }
    }

    /// Kept until the operator chooses again; "" (or null) is no microphone: typed turns only.
    @Sendable func chooseAudioDevice(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        var request = request
        let body = try await request.decodeJSON(as: DeviceChoice.self, limit: maxBodyBytes)
        let device = body.deviceId ?? ""
        guard device.isEmpty || ALSADeviceName.isValid(device) else {
            throw APIError.invalid("device_id", "'\(device)' is not an ALSA capture device; use one such as plughw:1,0 or default, or \"\" for none.")
        }
        try await database.set(StationSettings.audioDevice, to: device)
        return try JSONResponse.make(JSONValue.object(["ok": .bool(true), "chosen": device.isEmpty ? .null : .string(device)]))
    }

    /// `recordUpdateFailures`: updates of the clients' records `station.sqlite` refused since the
    /// station started (each is in the log too); above 0, a station started after a crash may
    /// not find every client.
    @Sendable func health(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let running = try await database.clients().filter { $0.state != .exited }.count
        return try JSONResponse.make(
            JSONValue.object([
                "status": .string("ok"),
                "clients": .number(Double(running)),
                "player": await player.status(),
                "recordUpdateFailures": .number(Double(await supervisor.recordUpdateFailures)),
                "handset": await handset?.status.json ?? .null,
            ])
        )
    }

    /// What the TV shows now, for an operator in another room: the player's screenshot,
    /// fetched by the station (the page may not reach the player, and needs no token for it).
    @Sendable func screenshot(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try gate.check(request)
        let shot: (status: Int, contentType: String, body: [UInt8])
        do {
            shot = try await player.screenshot(operatorToken: operatorToken)
        } catch {
            throw APIError(
                .serviceUnavailable,
                code: "player-unreachable",
                "The player at \(player.url) could not be reached (\(error)); is it running?"
            )
        }
        guard shot.status == 200 else {
            let reason = (try? JSONDecoder().decode(JSONValue.self, from: Data(shot.body)))?["error"]?.stringValue ?? "answered \(shot.status)"
            throw APIError(shot.status == 409 ? .conflict : .serviceUnavailable, code: "no-screenshot", "The player gave no picture: \(reason)")
        }
        return Response(
            status: .ok,
            headers: [.contentType: shot.contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: shot.body))
        )
    }

    /// `/metrics` in the Prometheus text format: open, as the backend's is.
    @Sendable func metrics(_ request: Request, context: BasicRequestContext) async throws -> Response {
        var text = MetricsText()
        let records = try await database.clients()
        for state in [ClientRecord.State.running, .restarting, .exited] {
            text.add(
                "cinema_station_clients",
                .gauge,
                help: "Clients the station knows, by state.",
                labels: [("state", state.rawValue)],
                value: Double(records.filter { $0.state == state }.count)
            )
        }
        text.add(
            "cinema_station_client_restarts_total",
            .counter,
            help: "Restarts of the clients the station knows.",
            value: Double(records.map(\.restarts).reduce(0, +))
        )
        text.add(
            "cinema_station_record_update_failures_total",
            .counter,
            help: "Updates of the clients' records station.sqlite refused.",
            value: Double(await supervisor.recordUpdateFailures)
        )
        let reachable = await player.status()["reachable"]?.boolValue == true
        text.add("cinema_station_player_reachable", .gauge, help: "1 when the player answers its health check.", value: reachable ? 1 : 0)
        if let status = await handset?.status {
            text.add("cinema_station_handset_lifted", .gauge, help: "1 while the handset is lifted.", value: status.state == .lifted ? 1 : 0)
            text.add(
                "cinema_station_handset_readable",
                .gauge,
                help: "0 while the hook switch cannot be read.",
                value: status.state == .unavailable ? 0 : 1
            )
            text.add("cinema_station_handset_changes_total", .counter, help: "Lifts and hang-ups read.", value: Double(status.changes))
        }
        return text.response
    }

    static func json(_ record: ClientRecord) -> JSONValue {
        var fields: [String: JSONValue] = [
            "pid": .number(Double(record.pid)),
            "identifier": record.identifier.map(JSONValue.string) ?? .null,
            "roomUrl": .string(record.roomURL),
            "startedAt": .string(Timestamp.string(record.startedAt)),
            "state": .string(record.state.rawValue),
            "restarts": .number(Double(record.restarts)),
        ]
        if let code = record.exitCode { fields["exitCode"] = .number(Double(code)) }
        return .object(fields)
    }
}

/// Settings the station keeps in `station.sqlite`: only the operator changes them.
enum StationSettings {
    static let audioDevice = "audio.device"
}
