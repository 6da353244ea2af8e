import CinemaCore
import CinemaStation
import CinemaTestSupport
import Foundation
import Testing

/// The station's HTTP API in this process, over loopback, with a real `station.sqlite`: what it
/// answers and refuses without any client running.
@Suite("The station's HTTP API", .timeLimit(.minutes(2)))
struct StationAPITests {
    @Test("Health, who the station is, and an empty list of clients")
    func healthAndIdentity() async throws {
        try await StationHarness.withStation { station in
            let health = try await station.http.get("/health")
            #expect(health.status == 200, "\(health.text)")
            #expect(health.json["status"]?.stringValue == "ok")
            #expect(health.json["clients"]?.int64Value == 0)
            #expect(health.json["player"]?["url"]?.stringValue == StationHarness.nowhere)
            #expect(health.json["player"]?["reachable"]?.boolValue == false)
            #expect(health.json["recordUpdateFailures"]?.int64Value == 0)

            let identity = try await station.http.get("/api/station").json
            #expect(identity["name"]?.stringValue == "test-station")
            #expect(identity["backendUrl"]?.stringValue == StationHarness.nowhere)
            #expect(identity["playerUrl"]?.stringValue == StationHarness.nowhere)
            #expect(identity["version"]?.stringValue == CinemaVersion.current)

            let clients = try await station.http.get("/api/clients")
            #expect(clients.status == 200)
            #expect(clients.json == .array([]))
            #expect(FileManager.default.fileExists(atPath: station.home + "/station.sqlite"))
        }
    }

    @Test(
        "/metrics tells the clients, the player and the record failures in Prometheus's format; with no player, the TV's picture is a 503 naming it"
    )
    func metricsAndPicture() async throws {
        try await StationHarness.withStation { station in
            let metrics = try await station.http.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
            for line in [
                "# TYPE cinema_station_clients gauge", #"cinema_station_clients{state="running"} 0"#, "cinema_station_client_restarts_total 0",
                "cinema_station_record_update_failures_total 0", "cinema_station_player_reachable 0",
            ] {
                #expect(metrics.text.contains(line + "\n"), "\(line) in \(metrics.text)")
            }
            // No handset configured: no handset lines.
            #expect(!metrics.text.contains("handset"))
            let picture = try await station.http.get("/api/screenshot")
            #expect(picture.status == 503, "\(picture.text)")
            #expect(picture.json["code"]?.stringValue == "player-unreachable")
            #expect(picture.json["error"]?.stringValue?.contains(StationHarness.nowhere) == true, "\(picture.text)")
        }
    }

    @Test("A start is refused before anything runs: not a room URL, another backend's room, an identifier that is not the room's, an empty token")
    func startRefused() async throws {
        try await StationHarness.withStation { station in
            let backend = StationHarness.nowhere
            let refusals: [(body: String, code: String, says: String)] = [
                (try StationHarness.startBody(room: "file:///etc/passwd", token: "t", backend: backend), "client-not-started", "roomUrl"),
                (try StationHarness.startBody(room: "ws://127.0.0.1:9/elsewhere", token: "t", backend: backend), "client-not-started", "/rooms/ID"),
                (try StationHarness.startBody(room: "ws://127.0.0.1:8/rooms/abc", token: "t", backend: backend), "wrong-backend", "127.0.0.1:8"),
                (
                    try StationHarness.startBody(room: "ws://127.0.0.1:9/rooms/abc", token: "t", backend: "http://127.0.0.1:8"), "wrong-backend",
                    backend
                ),
                (
                    try StationHarness.startBody(room: "ws://127.0.0.1:9/rooms/abc", token: "t", backend: backend, identifier: "xyz"),
                    "client-not-started", "identifier"
                ),
                (try StationHarness.startBody(room: "ws://127.0.0.1:9/rooms/abc", token: "", backend: backend), "client-not-started", "token"),
            ]
            for refusal in refusals {
                let reply = try await station.http.post("/api/start_pi_client", refusal.body)
                #expect(reply.status == 422, "\(refusal.body): \(reply.text)")
                #expect(reply.json["code"]?.stringValue == refusal.code, "\(refusal.body): \(reply.text)")
                #expect(reply.text.contains(refusal.says), "\(refusal.body): \(reply.text)")
            }
            #expect(try await station.http.get("/api/clients").json == .array([]), "nothing was recorded")
            #expect(try await station.database().clients().isEmpty)
        }
    }

    @Test("Bodies that are not what an endpoint takes get an error naming what is wrong")
    func badBodies() async throws {
        try await StationHarness.withStation { station in
            let http = station.http
            let missing = try await http.post("/api/start_pi_client", #"{"token": "x"}"#)
            #expect(missing.status == 400 && missing.json["code"]?.stringValue == "missing-field", "\(missing.text)")
            #expect(missing.text.contains("roomUrl"), "\(missing.text)")

            let mistyped = try await http.post("/api/start_pi_client", #"{"roomUrl": "ws://127.0.0.1:9/rooms/a", "token": 5, "backendUrl": "x"}"#)
            #expect(mistyped.status == 422 && mistyped.json["code"]?.stringValue == "invalid-value", "\(mistyped.text)")
            #expect(mistyped.text.contains("token"), "\(mistyped.text)")

            let broken = try await http.post("/api/start_pi_client", #"{"roomUrl": "#)
            #expect(broken.status == 400 && broken.json["code"]?.stringValue == "malformed-json", "\(broken.text)")

            let empty = try await http.post("/api/audio-device", "")
            #expect(empty.status == 400 && empty.json["code"]?.stringValue == "missing-body", "\(empty.text)")

            let notJSON = try await http.post("/api/audio-device", "device_id=hw:0", headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(notJSON.status == 415 && notJSON.json["code"]?.stringValue == "json-required", "\(notJSON.text)")

            let large = try await http.post("/api/start_pi_client", #"{"token": ""# + String(repeating: "x", count: 70_000) + #""}"#)
            #expect(large.status == 413, "\(large.status)")

            let badDevice = try await http.post("/api/audio-device", #"{"device_id": "hw:0; reboot"}"#)
            #expect(badDevice.status == 422 && badDevice.text.contains("device_id"), "\(badDevice.text)")
        }
    }

    @Test("Stopping a client this station did not start is a 404 that says where the list is; a PID that is not one is refused")
    func stopUnknown() async throws {
        try await StationHarness.withStation { station in
            let unknown = try await station.http.post("/api/clients/4194300/stop", "")
            #expect(unknown.status == 404 && unknown.json["code"]?.stringValue == "unknown-client", "\(unknown.text)")
            #expect(unknown.text.contains("/api/clients"), "\(unknown.text)")
            #expect(try await station.http.post("/api/clients/-3/stop", "").status == 422)
            #expect(try await station.http.post("/api/clients/abc/stop", "").json["code"]?.stringValue == "invalid-value")
        }
    }

    @Test("The microphone chosen is kept in station.sqlite: a station started again over it still has it; \"\" chooses none")
    func microphoneKept() async throws {
        try await TemporaryDirectory.with { directory in
            let home = directory.file("home")
            try await StationHarness.run(home: home) { station in
                #expect(try await station.http.get("/api/audio-devices").json["chosen"] == .null)
                let chosen = try await station.http.post("/api/audio-device", #"{"device_id": "plughw:1,0"}"#)
                #expect(chosen.status == 200, "\(chosen.text)")
                #expect(chosen.json["chosen"]?.stringValue == "plughw:1,0")
            }
            try await StationHarness.run(home: home) { station in
                #expect(try await station.http.get("/api/audio-devices").json["chosen"]?.stringValue == "plughw:1,0")
                let none = try await station.http.post("/api/audio-device", #"{"device_id": ""}"#)
                #expect(none.status == 200 && none.json["chosen"] == .null, "\(none.text)")
                #expect(try await station.http.get("/api/audio-devices").json["chosen"] == .null)
            }
        }
    }

    @Test("Beyond loopback, starting and stopping clients and choosing the microphone need the operator token; reading stays open")
    func operatorTokenBeyondLoopback() async throws {
        let token = String(repeating: "ab", count: 32)
        let configuration = StationHarness.configuration {
            $0.host = "0.0.0.0"
            $0.operatorToken = token
        }
        try await StationHarness.withStation(configuration: configuration) { station in
            let http = station.http
            let choice = #"{"device_id": "plughw:1,0"}"#
            let without = try await http.post("/api/audio-device", choice)
            #expect(without.status == 401 && without.json["code"]?.stringValue == "operator-token-required", "\(without.text)")
            let wrong = try await http.post("/api/audio-device", choice, headers: ["authorization": "Bearer " + String(repeating: "0", count: 64)])
            #expect(wrong.status == 403 && wrong.json["code"]?.stringValue == "operator-token-invalid", "\(wrong.text)")
            let start = try await http.post(
                "/api/start_pi_client",
                #"{"roomUrl": "ws://127.0.0.1:9/rooms/x", "token": "t", "backendUrl": "http://127.0.0.1:9"}"#
            )
            #expect(start.status == 401, "\(start.text)")
            #expect(try await http.post("/api/clients/4194300/stop", "").status == 401)
            let with = try await http.post("/api/audio-device", choice, headers: ["authorization": "Bearer \(token)"])
            #expect(with.status == 200, "\(with.text)")
            // Reading stays open: the dashboard shows the state before the token is given.
            #expect(try await http.get("/api/audio-devices").json["chosen"]?.stringValue == "plughw:1,0")
            #expect(try await http.get("/api/clients").status == 200)
            #expect(try await http.get("/health").status == 200)
        }
    }

    @Test("A station beyond loopback with no operator token to check is not built, and says what to do")
    func noTokenBeyondLoopback() async throws {
        try await TemporaryDirectory.with { directory in
            let configuration = StationHarness.configuration { $0.host = "0.0.0.0" }
            do {
                _ = try await buildApplication(
                    configuration: configuration,
                    home: CinemaHome(path: directory.file("home")),
                    logger: StationHarness.logger
                )
                Issue.record("a station beyond loopback was built without an operator token")
            } catch let error as StationSetupError {
                #expect(error == .operatorTokenMissing(host: "0.0.0.0"))
                #expect(error.description.contains("CINEMA_BACKEND_OPERATOR_TOKEN"))
            }
        }
    }

    @Test("Host names that are not the station's own are refused, reads included; pages elsewhere may not act")
    func callerRule() async throws {
        try await StationHarness.withStation { station in
            let rebinding = try await station.http.get("/api/clients", headers: ["Host": "attacker.example:\(station.port)"])
            #expect(rebinding.status == 403 && rebinding.json["code"]?.stringValue == "host-not-allowed", "\(rebinding.text)")
            let foreign = try await station.http.post("/api/audio-device", #"{"device_id": ""}"#, headers: ["Origin": "http://attacker.example"])
            #expect(foreign.status == 403 && foreign.json["code"]?.stringValue == "origin-not-allowed", "\(foreign.text)")
            let own = try await station.http.post(
                "/api/audio-device",
                #"{"device_id": ""}"#,
                headers: ["Origin": "http://127.0.0.1:\(station.port)"]
            )
            #expect(own.status == 200, "\(own.text)")
        }
    }
}
