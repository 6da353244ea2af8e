import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `cinema station` as a process, with a real backend, its own player and real clients.
@Suite("cinema station as a process", .timeLimit(.minutes(3)))
struct EndToEndStationTests {
    static let station = ["station", "--port", "0", "--player-port", "0", "--headless", "--idle", "black"]

    static func isRunning(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        return !status.contains("State:\tZ")
    }

    @Test(
        "Starts a client per session over HTTP, lists and stops it, keeps the microphone choice; killed, it leaves an orphan the next station stops"
    )
    func spawnListStopAndOrphans() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            let environment = ["CINEMA_HOME": home]
            try await EndToEndClientTests.withInstallation(home: home, player: false) { backend, _, session in
                let start = """
                    {"roomUrl": "\(session.environment["CINEMA_ROOM_URL"] ?? "")", "token": "\(session.environment["CINEMA_TOKEN"] ?? "")", \
                    "backendUrl": "\(backend.base)", "identifier": "\(session.identifier)"}
                    """
                let station = Self.station + ["--backend-url", backend.base]
                let orphan = try await EndToEndReconnectTests.Background.start(station, environment: environment)
                let http = HTTPTestClient(base: orphan.server.base)
                #expect(try await http.get("/health").json["status"]?.stringValue == "ok")

                // The microphone: refused when it is not an ALSA name, kept when it is.
                let bad = try await http.post("/api/audio-device", #"{"device_id": "hw:0; reboot"}"#)
                #expect(bad.status == 422 || bad.status == 400, "\(bad.text)")
                #expect(try await http.post("/api/audio-device", #"{"device_id": "plughw:1,0"}"#).status == 200)
                #expect(try await http.get("/api/audio-devices").json["chosen"]?.stringValue == "plughw:1,0")

                #expect(
                    try await http.post("/api/start_pi_client", #"{"roomUrl": "file:///etc/passwd", "token": "x", "backendUrl": "http://x"}"#).status
                        == 422
                )
                #expect(try await http.post("/api/start_pi_client", #"{"token": "x"}"#).json["code"]?.stringValue == "missing-field")
                let started = try await http.post("/api/start_pi_client", start)
                #expect(started.status == 200, "\(started.text)")
                #expect(started.json["success"]?.boolValue == true)
                let pid = try #require(started.json["pid"]?.int64Value.map { Int32($0) })
                guard case .array(let listed) = try await http.get("/api/clients").json, let first = listed.first else {
                    throw ServerProcess.Failure(description: "GET /api/clients listed nothing")
                }
                #expect(first["pid"]?.int64Value == Int64(pid))
                #expect(first["state"]?.stringValue == "running")
                #expect(first["identifier"]?.stringValue == session.identifier)

                // Stopped by hand: gone, and not started again.
                let stopped = try await http.post("/api/clients/\(pid)/stop", "")
                #expect(stopped.status == 200, "\(stopped.text)")
                #expect(stopped.json["state"]?.stringValue == "exited")
                #expect(!Self.isRunning(pid))
                #expect(try await http.post("/api/clients/\(pid)/stop", "").status == 404)

                // A station killed outright leaves its client running…
                let again = try await http.post("/api/start_pi_client", start)
                let left = try #require(again.json["pid"]?.int64Value.map { Int32($0) })
                #expect(try await orphan.stop(SIGKILL) == 128 + SIGKILL)
                #expect(Self.isRunning(left), "a client outlives a killed station")

                // …which the next station finds and stops; the microphone choice is still there.
                let next = try await EndToEndReconnectTests.Background.start(station, environment: environment)
                let nextHTTP = HTTPTestClient(base: next.server.base)
                #expect(!Self.isRunning(left), "the orphan was stopped")
                let records = try await nextHTTP.get("/api/clients").json
                guard case .array(let all) = records else { throw ServerProcess.Failure(description: "no clients: \(records)") }
                #expect(all.allSatisfy { $0["state"]?.stringValue == "exited" }, "\(all)")
                #expect(try await nextHTTP.get("/api/audio-devices").json["chosen"]?.stringValue == "plughw:1,0")

                // A client killed with -9 while its session lives is started again, as the
                // station's live list of clients shows.
                let last = try await nextHTTP.post("/api/start_pi_client", start)
                let killed = try #require(last.json["pid"]?.int64Value.map { Int32($0) })
                let restarted = try await nextHTTP.events("/api/clients/events") { events in
                    var sent = false
                    for try await event in events where event.event == "clients" {
                        let clients = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
                        guard case .array(let list) = clients, let newest = list.first else { continue }
                        if !sent, newest["pid"]?.int64Value == Int64(killed), newest["state"]?.stringValue == "running" {
                            kill(killed, SIGKILL)
                            sent = true
                        } else if sent, newest["restarts"]?.int64Value == 1, newest["state"]?.stringValue == "running" {
                            return newest
                        }
                    }
                    throw ServerProcess.Failure(description: "the station's client feed ended before the restart")
                }
                let lastPID = try #require(restarted["pid"]?.int64Value.map { Int32($0) })
                #expect(lastPID != killed && Self.isRunning(lastPID))
                #expect(restarted["identifier"]?.stringValue == session.identifier)
                #expect(try await backend.get("/api/sessions/\(session.identifier)").json["session"]?["status"]?.stringValue != "ended")

                // A client running when the station stops is stopped with it.
                #expect(try await next.stop(SIGTERM) == 0)
                #expect(!Self.isRunning(lastPID))
            }
        }
    }

    @Test("A silence timeout the backend would refuse stops the station at once, by option or environment, saying the range")
    func silenceTimeoutRange() async throws {
        try await TemporaryDirectory.with { directory in
            let station = ["station", "--port", "0", "--player-url", "http://127.0.0.1:9"]
            let environment = ["CINEMA_HOME": directory.file("home")]
            for run in [
                try await CinemaExecutable.run(station + ["--silence-timeout", "0"], environment: environment),
                try await CinemaExecutable.run(station, environment: environment.merging(["CINEMA_STATION_SILENCE_TIMEOUT": "100000"]) { $1 }),
            ] {
                #expect(run.status != 0)
                #expect(run.standardError.contains("give 1 to 86400 seconds"), "\(run.standardError)")
            }
        }
    }

    @Test(
        "Beyond loopback, starting clients and choosing the microphone need the operator token; a station there with no token to check refuses to start"
    )
    func operatorTokenBeyondLoopback() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            let wide = ["station", "--host", "0.0.0.0", "--port", "0", "--player-url", "http://127.0.0.1:9"]

            // No operator-token file yet (no backend ever ran in this home): refused, and said why.
            let empty = directory.file("empty-home")
            let refused = try await CinemaExecutable.run(wide, environment: ["CINEMA_HOME": empty])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("operator token"), "\(refused.standardError)")
            #expect(refused.standardError.contains("CINEMA_BACKEND_OPERATOR_TOKEN"), "\(refused.standardError)")

            try await EndToEndClientTests.withInstallation(home: home, player: false) { _, _, _ in
                let token = try String(contentsOfFile: home + "/operator-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let station = try await EndToEndReconnectTests.Background.start(wide, environment: ["CINEMA_HOME": home])
                let http = HTTPTestClient(base: station.server.base)
                let choice = #"{"device_id": "plughw:1,0"}"#
                let without = try await http.post("/api/audio-device", choice)
                #expect(without.status == 401 && without.json["code"]?.stringValue == "operator-token-required", "\(without.text)")
                let wrong = try await http.post(
                    "/api/audio-device",
                    choice,
                    headers: ["authorization": "Bearer " + String(repeating: "0", count: 64)]
                )
                #expect(wrong.status == 403, "\(wrong.text)")
                let start = try await http.post(
                    "/api/start_pi_client",
                    #"{"roomUrl": "ws://127.0.0.1:9/rooms/x", "token": "t", "backendUrl": "http://127.0.0.1:9"}"#
                )
                #expect(start.status == 401, "\(start.text)")
                let with = try await http.post("/api/audio-device", choice, headers: ["authorization": "Bearer \(token)"])
                #expect(with.status == 200, "\(with.text)")
                // Reading stays open: the dashboard shows the state before the token is given.
                #expect(try await http.get("/api/audio-devices").json["chosen"]?.stringValue == "plughw:1,0")
                #expect(try await station.stop(SIGTERM) == 0)
            }
        }
    }
}
