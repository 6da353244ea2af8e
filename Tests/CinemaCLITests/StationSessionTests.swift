import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What `cinema station` accepts to start: one client per session, and only for sessions of its
/// own backend. A real backend, a real station and real clients, as a black-box probe sees them.
@Suite("cinema station's sessions", .timeLimit(.minutes(3)))
struct StationSessionTests {
    /// A station for `backend`, with no player of its own (none is needed to join a room).
    static func station(for backend: HTTPTestClient) -> [String] {
        ["station", "--port", "0", "--player-url", "http://127.0.0.1:9", "--backend-url", backend.base, "--log-level", "error"]
    }

    /// The running `cinema client` processes `parent` spawned, by PID.
    static func clientProcesses(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard EndToEndStationTests.isRunning(pid),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                status.split(separator: "\n").contains("PPid:\t\(parent)"),
                let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return false }
            return command.split(separator: 0).dropFirst().first.map { String(decoding: $0, as: UTF8.self) } == "client"
        }
    }

    /// A process's environment, as the kernel has it.
    static func environment(of pid: Int32) -> [String: String] {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") ?? Data()
        var variables: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            variables[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return variables
    }

    static func startBody(room: String, token: String, backend: String, identifier: String? = nil) throws -> String {
        var fields: [String: JSONValue] = ["roomUrl": .string(room), "token": .string(token), "backendUrl": .string(backend)]
        if let identifier { fields["identifier"] = .string(identifier) }
        return String(decoding: try JSONEncoder().encode(JSONValue.object(fields)), as: UTF8.self)
    }

    @Test("Ten starts at once for one session run one client: each answers with its PID, nine say it was already running, one process runs")
    func oneClientPerSession() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            try await EndToEndClientTests.withInstallation(home: home, player: false) { backend, _, session in
                let station = try await EndToEndReconnectTests.Background.start(Self.station(for: backend), environment: ["CINEMA_HOME": home])
                let http = HTTPTestClient(base: station.server.base)
                let body = try Self.startBody(
                    room: try #require(session.environment["CINEMA_ROOM_URL"]),
                    token: try #require(session.environment["CINEMA_TOKEN"]),
                    backend: backend.base,
                    identifier: session.identifier
                )
                let replies = try await withThrowingTaskGroup(of: HTTPTestClient.Reply.self) { group in
                    for _ in 0..<10 { group.addTask { try await http.post("/api/start_pi_client", body) } }
                    var replies: [HTTPTestClient.Reply] = []
                    for try await reply in group { replies.append(reply) }
                    return replies
                }
                #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.text))")
                let pids = Set(replies.compactMap { $0.json["pid"]?.int64Value })
                #expect(pids.count == 1, "one client, not \(pids.count): \(pids.sorted())")
                #expect(replies.filter { $0.json["alreadyRunning"]?.boolValue == true }.count == 9)
                #expect(replies.filter { $0.json["message"]?.stringValue?.contains("already running") == true }.count == 9)

                let running = Self.clientProcesses(of: station.server.processID)
                #expect(running.count == 1, "client processes of the station: \(running)")
                guard case .array(let listed) = try await http.get("/api/clients").json else {
                    throw ServerProcess.Failure(description: "GET /api/clients listed nothing")
                }
                #expect(listed.count == 1, "\(listed)")
                #expect(listed.filter { $0["state"]?.stringValue != "exited" }.count == 1)

                // Once that client is stopped, a start for the session starts one anew.
                let pid = try #require(pids.first)
                #expect(try await http.post("/api/clients/\(pid)/stop", "").status == 200)
                let again = try await http.post("/api/start_pi_client", body)
                #expect(again.status == 200 && again.json["alreadyRunning"]?.boolValue == false, "\(again.text)")
                #expect(again.json["pid"]?.int64Value != pid)
                #expect(Self.clientProcesses(of: station.server.processID).count == 1)
                #expect(try await station.stop(SIGTERM) == 0)
            }
        }
    }

    @Test(
        "A room or backend on another server is refused with 422 naming both backends, and nothing runs; the station's own backend by another of this machine's names is its own, and the client is given the configured one"
    )
    func onlyItsOwnBackend() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            try await EndToEndClientTests.withInstallation(home: home, player: false) { backend, _, session in
                let station = try await EndToEndReconnectTests.Background.start(Self.station(for: backend), environment: ["CINEMA_HOME": home])
                let http = HTTPTestClient(base: station.server.base)
                let room = try #require(session.environment["CINEMA_ROOM_URL"])
                let token = try #require(session.environment["CINEMA_TOKEN"])
                let port = try #require(URL(string: backend.base)?.port)

                // What the probe sent: the attacker's room on the attacker's backend.
                let attack = try await http.post(
                    "/api/start_pi_client",
                    Self.startBody(room: "ws://attacker.example/rooms/x", token: token, backend: "http://attacker.example")
                )
                #expect(attack.status == 422, "\(attack.text)")
                #expect(attack.json["code"]?.stringValue == "wrong-backend")
                let sentence = attack.json["error"]?.stringValue ?? ""
                #expect(sentence.contains("http://attacker.example") && sentence.contains(backend.base), "\(sentence)")
                #expect(sentence.contains("--backend-url"), "\(sentence)")

                let refusals = [
                    // The session's identifier on another server, on the backend's port.
                    try Self.startBody(room: "ws://attacker.example:\(port)/rooms/\(session.identifier)", token: token, backend: backend.base),
                    // The right room, with another backend beside it.
                    try Self.startBody(room: room, token: token, backend: "http://attacker.example:\(port)"),
                    // This machine, another port.
                    try Self.startBody(room: "ws://127.0.0.1:9/rooms/\(session.identifier)", token: token, backend: "http://127.0.0.1:9"),
                ]
                for body in refusals {
                    let reply = try await http.post("/api/start_pi_client", body)
                    #expect(reply.status == 422 && reply.json["code"]?.stringValue == "wrong-backend", "\(body): \(reply.text)")
                }
                let disagreeing = try await http.post(
                    "/api/start_pi_client",
                    Self.startBody(room: room, token: token, backend: backend.base, identifier: "another-session")
                )
                #expect(disagreeing.status == 422, "\(disagreeing.text)")
                #expect(disagreeing.json["error"]?.stringValue?.contains("another-session") == true, "\(disagreeing.text)")
                #expect(Self.clientProcesses(of: station.server.processID).isEmpty, "nothing was started")
                #expect(try await http.get("/api/clients").json == .array([]))

                // The dashboard opened from elsewhere names the backend by another of this
                // machine's names: the same backend. The client gets the configured one.
                let host = MachineAddresses.external().first ?? "localhost"
                let started = try await http.post(
                    "/api/start_pi_client",
                    Self.startBody(
                        room: "ws://\(host):\(port)/rooms/\(session.identifier)",
                        token: token,
                        backend: "http://localhost:\(port)",
                        identifier: session.identifier
                    )
                )
                #expect(started.status == 200, "\(started.text)")
                let configuredRoom = "ws://127.0.0.1:\(port)/rooms/\(session.identifier)"
                #expect(started.json["roomUrl"]?.stringValue == configuredRoom)
                let pid = try #require(started.json["pid"]?.int64Value.map { Int32($0) })
                let given = Self.environment(of: pid)
                #expect(given["CINEMA_ROOM_URL"] == configuredRoom, "\(given["CINEMA_ROOM_URL"] ?? "none")")
                #expect(given["CINEMA_BACKEND_URL"] == backend.base, "\(given["CINEMA_BACKEND_URL"] ?? "none")")
                #expect(try await station.stop(SIGTERM) == 0)
            }
        }
    }
}
