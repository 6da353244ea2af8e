import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What a black-box probe of the installation found, each reproduced against the real
/// processes as the probe did it: curl-like requests, raw sockets, a peer that freezes.
@Suite("The installation as a probe from outside sees it", .timeLimit(.minutes(4)))
struct EndToEndProbeTests {
    static let serve = ["serve", "--port", "0", "--log-level", "error", "--speech", "none"]

    /// A data directory whose library is three films' subtitles.
    static func home(_ directory: TemporaryDirectory) async throws -> String {
        try await ServeTests.home(directory)
    }

    @Test(
        "Simple cross-site requests, other local pages and rebound names are refused by the backend, the station and the player; the dashboard and curl are served"
    )
    func crossSite() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let environment = ["CINEMA_HOME": home]
            let (_, status) = try await ServerProcess.run(Self.serve, environment: environment) { backend in
                try await backend.stopping {
                    let http = HTTPTestClient(base: backend.base)
                    let plain = ["Content-Type": "text/plain"]
                    // A page on another site: a "simple" POST, which browsers send without asking.
                    let foreign = try await http.request(
                        "POST",
                        "/api/connect",
                        body: Array(#"{"station": "gallery-1"}"#.utf8),
                        headers: plain.merging(["Origin": "http://evil.example"]) { $1 }
                    )
                    #expect(foreign.status == 403, "\(foreign.text)")
                    #expect(foreign.json["code"]?.stringValue == "origin-not-allowed")
                    #expect(foreign.header("Access-Control-Allow-Origin") == nil)
                    // Another page on this machine, even with JSON.
                    let local = try await http.post("/api/connect", #"{"station": "gallery-1"}"#, headers: ["Origin": "http://127.0.0.1:9999"])
                    #expect(local.status == 403, "\(local.text)")
                    // A body that is not declared JSON, from curl: refused with how to send it.
                    let form = try await http.request(
                        "POST",
                        "/connect",
                        body: Array("{}".utf8),
                        headers: ["Content-Type": "application/x-www-form-urlencoded"]
                    )
                    #expect(form.status == 415, "\(form.text)")
                    #expect(form.json["error"]?.stringValue?.contains("Content-Type: application/json") == true)
                    // DNS rebinding: the page's own name, pointed at this machine; same-origin to the browser.
                    let authority = "evil.example:\(backend.port)"
                    let rebound = try await http.post(
                        "/api/connect",
                        #"{"station": "gallery-1"}"#,
                        headers: ["Host": authority, "Origin": "http://\(authority)"]
                    )
                    #expect(rebound.status == 403, "\(rebound.text)")
                    #expect(rebound.json["code"]?.stringValue == "host-not-allowed")
                    #expect(try await http.get("/api/sessions", headers: ["Host": authority]).status == 403, "reads too")
                    // A preflight from elsewhere gets no permission.
                    let preflight = try await http.request(
                        "OPTIONS",
                        "/api/connect",
                        headers: ["Origin": "http://evil.example", "Access-Control-Request-Method": "POST"]
                    )
                    #expect(preflight.header("Access-Control-Allow-Origin") == nil)
                    // A room opened from a foreign page (browsers hold sockets to no origin rule).
                    let upgrade = try await RawConnection.exchange(
                        port: backend.port,
                        Array(Self.upgrade(path: "/rooms/any?role=observer", port: backend.port, origin: "http://evil.example").utf8)
                    )
                    #expect(upgrade?.hasPrefix("HTTP/1.1 4") == true, "refused, not upgraded: \(upgrade ?? "no answer")")
                    // Nothing was created by any of it; the station's dashboard and curl work.
                    let sessions = try await http.get("/api/sessions").json["sessions"]
                    #expect(sessions == .array([]), "\(sessions ?? .null)")
                    let dashboard = try await http.post("/api/connect", #"{"station": "gallery-1"}"#, headers: ["Origin": "http://127.0.0.1:3000"])
                    #expect(dashboard.status == 200, "\(dashboard.text)")
                    #expect(dashboard.header("Access-Control-Allow-Origin") == "http://127.0.0.1:3000")
                    #expect(try await http.post("/api/connect", #"{"station": "gallery-2"}"#).status == 200)
                    #expect(try await http.get("/health", headers: ["Host": "localhost:\(backend.port)"]).status == 200)
                }
            }
            #expect(status == 0)

            // The station: a foreign page cannot start a client; the player: nor play a clip.
            let station = ["station", "--port", "0", "--player-port", "0", "--headless", "--idle", "black", "--log-level", "error"]
            let (_, stationStatus) = try await ServerProcess.run(station, environment: environment) { station in
                try await station.stopping {
                    let http = HTTPTestClient(base: station.base)
                    let start = #"{"roomUrl": "ws://127.0.0.1:9/rooms/x", "token": "t", "backendUrl": "http://127.0.0.1:9"}"#
                    let refused = try await http.request(
                        "POST",
                        "/api/start_pi_client",
                        body: Array(start.utf8),
                        headers: ["Origin": "http://evil.example", "Content-Type": "text/plain"]
                    )
                    #expect(refused.status == 403, "\(refused.text)")
                    let plain = try await http.request(
                        "POST",
                        "/api/start_pi_client",
                        body: Array(start.utf8),
                        headers: ["Content-Type": "text/plain"]
                    )
                    #expect(plain.status == 415, "\(plain.text)")
                    let rebound = try await http.get("/", headers: ["Host": "evil.example:\(station.port)"])
                    #expect(rebound.status == 403)
                    #expect(try await http.get("/api/clients").json == .array([]))
                    #expect(try await http.get("/").status == 200, "its own page is served")

                    let playerURL = try #require(try await http.get("/api/station").json["playerUrl"]?.stringValue)
                    let player = HTTPTestClient(base: playerURL)
                    let play = #"{"video_path": "/etc/hostname", "start": 0, "end": 1}"#
                    let foreignPlay = try await player.request(
                        "POST",
                        "/play",
                        body: Array(play.utf8),
                        headers: ["Origin": "http://evil.example", "Content-Type": "text/plain"]
                    )
                    #expect(foreignPlay.status == 403, "\(foreignPlay.text)")
                    let port = try #require(URL(string: playerURL)?.port)
                    #expect(try await player.get("/status", headers: ["Host": "evil.example:\(port)"]).status == 403)
                    #expect(try await player.get("/status").status == 200)
                }
            }
            #expect(stationStatus == 0)
        }
    }

    @Test("Beyond loopback, every call that reads a session or changes anything needs the operator token")
    func tokenBeyondLoopback() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let arguments = ["serve", "--host", "0.0.0.0", "--port", "0", "--log-level", "error", "--speech", "none"]
            let (_, status) = try await ServerProcess.run(arguments, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    let token = try String(contentsOfFile: home + "/operator-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                    let operator_ = ["Authorization": "Bearer \(token)"]
                    let http = HTTPTestClient(base: backend.base)
                    let connect = try await http.post("/api/connect", #"{"station": "gallery-1"}"#)
                    #expect(connect.status == 401, "occupies the station: \(connect.text)")
                    let session = try await http.post("/api/connect", #"{"station": "gallery-1"}"#, headers: operator_)
                    #expect(session.status == 200, "\(session.text)")
                    let id = try #require(session.json["identifier"]?.stringValue)
                    let busy = try await http.post("/api/connect", #"{"station": "gallery-1"}"#)
                    #expect(busy.status == 401 && busy.json["identifier"] == nil, "a 409 would hand out the live session's id: \(busy.text)")
                    let unguarded: [(String, HTTPTestClient.Reply)] = [
                        ("status", try await http.get("/conversation-status/\(id)")),
                        ("update", try await http.post("/update-status", #"{"identifier": "\#(id)", "status": "forged"}"#)),
                        ("needs-help", try await http.post("/api/sessions/\(id)/needs-help", "{}")),
                        ("alias", try await http.post("/connect", "{}")),
                        ("session", try await http.get("/api/sessions/\(id)")),
                    ]
                    for (name, reply) in unguarded {
                        #expect(reply.status == 401, "\(name): \(reply.status) \(reply.text)")
                    }
                    #expect(try await http.get("/conversation-status/\(id)", headers: operator_).status == 200)
                    #expect(try await http.post("/update-status", #"{"identifier": "\#(id)", "status": "ok"}"#, headers: operator_).status == 200)
                    // The library is not a session's: it stays open, as do health and metrics.
                    #expect(try await http.get("/api/search?q=hello").status == 200)
                    #expect(try await http.get("/health").status == 200)
                    let events = try await http.get("/api/sessions/\(id)", headers: operator_).json["events"]
                    guard case .array(let list) = events else { throw ServerProcess.Failure(description: "no events") }
                    #expect(!list.contains { $0["data"]?["status"]?.stringValue == "forged" }, "no event was written without the token")
                }
            }
            #expect(status == 0)
        }
    }

    @Test("SIGTERM ends the backend within 5 s while a device's socket is frozen, and the session is recorded as ended")
    func frozenDevice() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let clock = ContinuousClock()
            let (outcome, status) = try await ServerProcess.run(Self.serve, environment: ["CINEMA_HOME": home]) { backend in
                let http = HTTPTestClient(base: backend.base)
                let connect = try await http.post("/api/connect", #"{"station": "frozen"}"#)
                let id = try #require(connect.json["identifier"]?.stringValue)
                let token = try #require(connect.json["token"]?.stringValue)
                // A device that joins, then stops reading and answers nothing: a process under
                // SIGSTOP, to the server. Its receive buffer is small, so that it fills.
                return try await RawConnection.with(port: backend.port, receiveBuffer: 4096) { device in
                    try await device.send(Self.upgrade(path: "/rooms/\(id)?token=\(token)", port: backend.port))
                    _ = try await device.read(until: "\r\n\r\n", within: .seconds(10))
                    try await device.send(Self.maskedText(#"{"label": "rtvi-ai", "type": "client-ready", "id": "1", "data": {}}"#))
                    // The device holds its socket, frozen, until the backend has exited.
                    let sent = clock.now
                    try backend.send(SIGTERM)
                    while EndToEndStationTests.isRunning(backend.processID) && clock.now - sent < .seconds(20) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    return (id, clock.now - sent)
                }
            }
            let (id, took) = outcome
            #expect(status == 0)
            #expect(took < .seconds(5), "SIGTERM took \(took)")
            #expect(try await ServeTests.recorded(id, home: home) == ["ended", "shutdown"])
        }
    }

    @Test("An oversized request line or header gets 414 or 431 at once, from the backend, the station and the player")
    func oversizedHeads() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let environment = ["CINEMA_HOME": home]
            let (_, status) = try await ServerProcess.run(Self.serve, environment: environment) { backend in
                try await backend.stopping { try await Self.checkHeads(port: backend.port) }
            }
            #expect(status == 0)
            let station = ["station", "--port", "0", "--player-port", "0", "--headless", "--idle", "black", "--log-level", "error"]
            let (_, stationStatus) = try await ServerProcess.run(station, environment: environment) { station in
                try await station.stopping {
                    try await Self.checkHeads(port: station.port)
                    let player = try #require(try await HTTPTestClient(base: station.base).get("/api/station").json["playerUrl"]?.stringValue)
                    try await Self.checkHeads(port: try #require(URL(string: player)?.port))
                }
            }
            #expect(stationStatus == 0)
        }
    }

    static func checkHeads(port: Int) async throws {
        let bigHeader = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "a", count: 90_000))\r\n\r\n"
        let manyHeaders =
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + (0..<40).map { "X-Header-\($0): \(String(repeating: "b", count: 1000))\r\n" }.joined() + "\r\n"
        let longLine = "GET /health?\(String(repeating: "q", count: 90_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        for (request, expected) in [(bigHeader, "431"), (manyHeaders, "431"), (longLine, "414")] {
            let answer = try await RawConnection.exchange(port: port, Array(request.utf8), within: .seconds(5))
            #expect(answer?.hasPrefix("HTTP/1.1 \(expected)") == true, "port \(port): \(answer?.prefix(200) ?? "no answer within 5 s")")
        }
        // Headers within the limits are served as before.
        let normal = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Fine: \(String(repeating: "c", count: 8000))\r\nConnection: close\r\n\r\n"
        let served = try await RawConnection.exchange(port: port, Array(normal.utf8), within: .seconds(5))
        #expect(served?.hasPrefix("HTTP/1.1 200") == true || served?.hasPrefix("HTTP/1.1 503") == true, "\(served?.prefix(200) ?? "none")")
    }

    @Test("A feed whose reader hangs up is let go at once: no socket is left in CLOSE_WAIT")
    func feedsLetGo() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let (_, status) = try await ServerProcess.run(Self.serve, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    let http = HTTPTestClient(base: backend.base)
                    let id = try #require(try await http.post("/api/connect", "{}").json["identifier"]?.stringValue)
                    let request = "GET /api/sessions/\(id)/events HTTP/1.1\r\nHost: 127.0.0.1:\(backend.port)\r\n\r\n"
                    // One reader says it is done (half-closes) and waits: the server ends the feed.
                    let ended = try await RawConnection.with(port: backend.port) { reader in
                        try await reader.send(request)
                        #expect(try await reader.read(until: "event: session-created", within: .seconds(10)) != nil)
                        reader.hangUp()
                        return try await reader.readToEnd(within: .seconds(3)) != nil
                    }
                    #expect(ended, "the server closed the feed when its reader hung up")
                    // Thirty readers that go away outright, as a closed browser tab does.
                    for _ in 0..<30 {
                        try await RawConnection.with(port: backend.port) { reader in
                            try await reader.send(request)
                            _ = try await reader.read(until: "event: session-created", within: .seconds(10))
                        }
                    }
                    let clock = ContinuousClock()
                    let deadline = clock.now + .seconds(3)
                    var waiting = Self.closeWait(port: backend.port)
                    while waiting > 0 && clock.now < deadline {
                        try await Task.sleep(for: .milliseconds(100))
                        waiting = Self.closeWait(port: backend.port)
                    }
                    #expect(waiting == 0, "\(waiting) sockets still in CLOSE_WAIT after 3 s")
                }
            }
            #expect(status == 0)
        }
    }

    @Test("The session list pages: every session once, newest first, with a marker to the next page; filtered by station")
    func sessionPages() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.home(directory)
            let (_, status) = try await ServerProcess.run(Self.serve, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    let http = HTTPTestClient(base: backend.base)
                    var created: [String] = []
                    for number in 0..<7 {
                        let station = number == 3 ? #"{"station": "attic"}"# : "{}"
                        created.append(try #require(try await http.post("/api/connect", station).json["identifier"]?.stringValue))
                    }
                    var seen: [String] = []
                    var pages: [Int] = []
                    var next: String? = nil
                    repeat {
                        let query =
                            "/api/sessions?limit=3"
                            + (next.map { "&before=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
                        let page = try await http.get(query).json
                        guard case .array(let sessions) = page["sessions"] else { throw ServerProcess.Failure(description: "\(page)") }
                        pages.append(sessions.count)
                        seen += sessions.compactMap { $0["identifier"]?.stringValue ?? $0["id"]?.stringValue }
                        next = page["next"]?.stringValue
                    } while next != nil && pages.count < 10
                    #expect(pages == [3, 3, 1])
                    #expect(seen == Array(created.reversed()), "newest first, each once")
                    let attic = try await http.get("/api/sessions?station=attic").json["sessions"]
                    guard case .array(let atticSessions) = attic else { throw ServerProcess.Failure(description: "\(attic ?? .null)") }
                    #expect(atticSessions.count == 1)
                    #expect(try await http.get("/api/sessions?before=nonsense").status == 422)
                    #expect(try await http.get("/api/sessions?limit=0").status == 422)
                }
            }
            #expect(status == 0)
        }
    }

    // MARK: Helpers

    /// A WebSocket upgrade request, as a browser or a device sends it.
    static func upgrade(path: String, port: Int, origin: String? = nil) -> String {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        return request + "\r\n"
    }

    /// A client's text frame: clients mask what they send.
    static func maskedText(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }

    /// Sockets of this machine in CLOSE_WAIT whose local port is `port`.
    static func closeWait(port: Int) -> Int {
        var count = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 3, let local = fields[1].split(separator: ":").last, Int(local, radix: 16) == port else { continue }
                if fields[3] == "08" { count += 1 }
            }
        }
        return count
    }
}
