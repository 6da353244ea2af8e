import CinemaBackend
import CinemaCore
import CinemaHTTP
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

@Suite("The backend's HTTP API", .timeLimit(.minutes(2)))
struct HTTPAPITests {
    /// The seed's operating notes, step by step, as curl would send them.
    @Test("The seed's documented steps still work: connect, conversation status, update status, health, cleanup")
    func seedWalk() async throws {
        try await BackendHarness.withBackend { backend in
            let http = backend.http
            // The seed's dashboard posts its service config; it is accepted and kept.
            let connect = try await http.post(
                "/api/connect",
                #"{"config": [{"service": "tts", "options": [{"name": "provider", "value": "cartesia"}]}]}"#
            )
            #expect(connect.status == 200, "\(connect.text)")
            let id = try #require(connect.json["identifier"]?.stringValue)
            #expect(connect.json["room_url"]?.stringValue == "ws://127.0.0.1:\(backend.port)/rooms/\(id)")
            #expect(connect.json["token"]?.stringValue?.isEmpty == false)
            #expect(try await backend.events(of: id).first?["data"]?["config"]?.stringValue?.contains("cartesia") == true)

            // The un-prefixed alias the seed also used.
            let alias = try await http.post("/connect")
            #expect(alias.status == 200)
            #expect(alias.json["identifier"]?.stringValue != id)

            let say = try await http.post("/api/sessions/\(id)/say", #"{"text": "Who are you?"}"#)
            #expect(say.status == 200, "\(say.text)")

            let status = try await http.get("/conversation-status/\(id)")
            #expect(status.status == 200)
            #expect(status.json["identifier"]?.stringValue == id)
            #expect(status.json["status"]?.stringValue == "waiting")
            let context = try #require(status.json["context"])
            guard case .array(let messages) = context["messages"] else {
                Issue.record("no messages: \(status.text)")
                return
            }
            #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant"])
            #expect(messages.first?["content"]?.stringValue == "Who are you?")
            #expect(messages.last?["content"]?.stringValue == say.json["clip"]?["text"]?.stringValue)
            #expect(context["total_message_count"]?.int64Value == 3)
            guard case .array(let display) = context["display_messages"] else {
                Issue.record("no display messages")
                return
            }
            #expect(display.map { $0["type"]?.stringValue } == ["session-created", "visitor-text", "decision"])
            #expect(display[1]["text"]?.stringValue == "Visitor: Who are you?")

            // last_seen: only what came after.
            let later = try await http.get("/conversation-status/\(id)?last_seen=2")
            guard case .array(let rest) = later.json["context"]?["display_messages"] else {
                Issue.record("no display messages")
                return
            }
            #expect(rest.map { $0["sequence"]?.int64Value } == [3])

            let update = try await http.post("/update-status", #"{"identifier": "\#(id)", "status": "active", "context": {"messages": []}}"#)
            #expect(update.status == 200)
            #expect(update.json["ok"]?.boolValue == true)
            #expect(try await http.get("/conversation-status/\(id)").json["reported_status"]?.stringValue == "active")

            let health = try await http.get("/health")
            #expect(health.status == 200)
            #expect(health.json["status"]?.stringValue == "ok")
            #expect(health.json["version"]?.stringValue == CinemaVersion.current)
            #expect((health.json["library"]?["cues"]?.int64Value ?? 0) > 1000)
            #expect(health.json["sessions"]?["live"]?.int64Value == 2)
            #expect(health.json["director"]?.stringValue == "retrieval")
            #expect(health.json["speech"]?.stringValue?.isEmpty == false)

            // Cleanup removes ended sessions only.
            #expect(try await http.post("/api/sessions/\(id)/end").status == 200)
            let cleanup = try await http.delete("/api/cleanup-old-sessions?older_than_hours=0")
            #expect(cleanup.status == 200)
            #expect(cleanup.json["removed"]?.int64Value == 1)
            #expect(try await http.get("/conversation-status/\(id)").status == 404)
            #expect(try await http.get("/api/sessions?status=live").json["sessions"].map { if case .array(let s) = $0 { s.count } else { -1 } } == 1)
            // The seed called it with no argument: 24 hours by default.
            #expect(try await http.delete("/api/cleanup-old-sessions").json["removed"]?.int64Value == 0)
        }
    }

    @Test("One live session per station: a second connect gets 409 with the live one's identifier")
    func oneSessionPerStation() async throws {
        try await BackendHarness.withBackend { backend in
            let first = try await backend.connect(station: "gallery-east")
            let second = try await backend.http.post("/api/connect", #"{"station": "gallery-east"}"#)
            #expect(second.status == 409)
            #expect(second.json["code"]?.stringValue == "station-busy")
            #expect(second.json["identifier"]?.stringValue == first.identifier)
            // Another station is free; once the first session ends, so is this one.
            #expect(try await backend.http.post("/api/connect", #"{"station": "gallery-west"}"#).status == 200)
            #expect(try await backend.http.post("/api/sessions/\(first.identifier)/end").status == 200)
            #expect(try await backend.http.post("/api/connect", #"{"station": "gallery-east"}"#).status == 200)
        }
    }

    @Test("Bad requests get JSON errors that name the problem, with fitting statuses")
    func badRequests() async throws {
        try await BackendHarness.withBackend { backend in
            let http = backend.http
            let session = try await backend.connect()
            let say = "/api/sessions/\(session.identifier)/say"
            let cases: [(HTTPTestClient.Reply, Int, String)] = [
                (try await http.post(say, "{not json"), 400, "malformed-json"),
                (try await http.post(say, "{}"), 400, "missing-field"),
                (try await http.post(say), 400, "missing-body"),
                (try await http.post(say, #"{"text": 42}"#), 422, "invalid-value"),
                (try await http.post(say, #"{"text": "   "}"#), 422, "invalid-value"),
                (try await http.post("/api/sessions/\(UUID().uuidString)/say", #"{"text": "hi"}"#), 404, "unknown-session"),
                (try await http.get("/api/sessions/nope"), 404, "unknown-session"),
                (try await http.get("/conversation-status/nope"), 404, "unknown-session"),
                (try await http.post("/update-status", #"{"identifier": "nope", "status": "x"}"#), 404, "unknown-session"),
                (try await http.post("/update-status", #"{"status": "x"}"#), 400, "missing-field"),
                (try await http.get("/no/such/route"), 404, "not-found"),
                (try await http.post("/api/connect", #"{"station": "../../etc"}"#), 422, "invalid-value"),
                (try await http.post("/api/sessions/\(session.identifier)/play", #"{"clip_id": 999999999}"#), 404, "unknown-clip"),
                (try await http.get("/api/search"), 400, "missing-field"),
                (try await http.get("/api/search?q=hello&limit=0"), 422, "invalid-value"),
                (try await http.get("/api/sessions?status=sideways"), 422, "invalid-value"),
                (try await http.delete("/api/cleanup-old-sessions?older_than_hours=soon"), 422, "invalid-value"),
                (try await http.get("/conversation-status/\(session.identifier)?last_seen=-1"), 422, "invalid-value"),
                (try await http.get("/api/films/12345"), 404, "unknown-film"),
                (try await http.get("/media/abc"), 404, "unknown-film"),
            ]
            for (reply, status, code) in cases {
                #expect(reply.status == status, "\(reply.text)")
                #expect(reply.json["code"]?.stringValue == code, "\(reply.text)")
                #expect(reply.json["error"]?.stringValue?.isEmpty == false)
                #expect(reply.header("content-type")?.hasPrefix("application/json") == true)
            }
            #expect(try await http.post(say, "{}").json["field"]?.stringValue == "text")

            // Over 1 MiB: 413, whatever the endpoint.
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: (1 << 20) + 10)
            let tooLarge = try await http.request("POST", "/api/connect", body: big)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["code"]?.stringValue == "too-large")

            // An ended session refuses turns with 409.
            #expect(try await http.post("/api/sessions/\(session.identifier)/end").status == 200)
            let late = try await http.post(say, #"{"text": "hello?"}"#)
            #expect(late.status == 409)
            #expect(late.json["code"]?.stringValue == "session-ended")
        }
    }

    @Test("Off loopback, what reads a session or acts needs the operator token; health and the library stay open")
    func operatorToken() async throws {
        let configuration = BackendHarness.configuration { $0.requireOperatorToken = true }
        try await BackendHarness.withBackend(configuration: configuration) { backend in
            let http = backend.http
            #expect(try await http.post("/api/connect", "{}").status == 401)
            let session = try await backend.connect()
            let end = "/api/sessions/\(session.identifier)/end"
            let none = try await http.post(end)
            #expect(none.status == 401)
            #expect(none.json["code"]?.stringValue == "operator-token-required")
            let wrong = try await http.post(end, headers: ["Authorization": "Bearer not-the-token"])
            #expect(wrong.status == 403)
            #expect(try await http.post("/api/sessions/\(session.identifier)/say", #"{"text": "hi"}"#).status == 401)
            #expect(try await http.delete("/api/cleanup-old-sessions").status == 401)
            #expect(try await http.get("/api/sessions").status == 401)
            #expect(try await http.get("/api/sessions/\(session.identifier)/events").status == 401)
            // An observer without the token is refused like a device with a bad one.
            let (refused, _) = try await RoomTestClient.connect(to: session.roomURL + "?role=observer") { try await $0.readyThenWaitForClose() }
            #expect(refused.first?.data?["code"]?.stringValue == "operator-token-required")
            let (joined, _) = try await RoomTestClient.connect(to: session.roomURL + "?role=observer&token=" + backend.operatorToken) { observer in
                // The socket opens before the room has taken the observer in; its answer to a
                // message shows it has (a turn said sooner was missed on a loaded CI).
                try await observer.send(.sendText("observers cannot act"))
                #expect(try await observer.next("error").data?["code"]?.stringValue == "observer-read-only")
                _ = try await backend.http.post(
                    "/api/sessions/\(session.identifier)/say",
                    #"{"text": "hi"}"#,
                    headers: ["Authorization": "Bearer \(backend.operatorToken)"]
                )
                return try await observer.next("user-transcription", within: .seconds(60)).data?["text"]?.stringValue
            }
            #expect(joined == "hi")
            // What visitors said is the operator's; health and the library are open.
            #expect(try await http.get("/conversation-status/\(session.identifier)").status == 401)
            let status = try await http.get(
                "/conversation-status/\(session.identifier)",
                headers: ["Authorization": "Bearer \(backend.operatorToken)"]
            )
            #expect(status.status == 200)
            #expect(try await http.get("/health").status == 200)
            #expect(try await http.get("/api/search?q=hello").status == 200)
            #expect(try await http.post(end, headers: ["Authorization": "Bearer \(backend.operatorToken)"]).status == 200)
            // The token lives in the data directory, readable by its owner only.
            let attributes = try FileManager.default.attributesOfItem(atPath: backend.home + "/operator-token")
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o600)
            let secret = try FileManager.default.attributesOfItem(atPath: backend.home + "/backend-secret")
            #expect((secret[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o600)
        }
    }

    @Test("The live feed: history, then each event as it happens, resumable with Last-Event-ID")
    func serverSentEvents() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let path = "/api/sessions/\(session.identifier)/events"
            let seen = try await backend.http.events(path) { events in
                // The log's events only: the live signals (no id) have their own test.
                var iterator = events.filter { !["visitor-speaking", "microphone"].contains($0.event) }.makeAsyncIterator()
                var seen: [ServerSentEvent] = []
                seen.append(try #require(try await iterator.next()))
                _ = try await backend.http.post("/api/sessions/\(session.identifier)/say", #"{"text": "Are you hungry?"}"#)
                seen.append(try #require(try await iterator.next()))
                seen.append(try #require(try await iterator.next()))
                _ = try await backend.http.post("/api/sessions/\(session.identifier)/end")
                while let event = try await iterator.next() { seen.append(event) }
                return seen
            }
            #expect(seen.map(\.event) == ["session-created", "visitor-text", "decision", "state-changed", "session-ended"])
            #expect(seen.map(\.id) == ["1", "2", "3", "4", "5"])
            #expect(seen[1].json["data"]?["text"]?.stringValue == "Are you hungry?")
            // The session is over: a new subscriber gets the rest of the history and the end.
            let resumed = try await backend.http.events(path, headers: ["Last-Event-ID": "3"]) { events in
                var all: [String] = []
                for try await event in events { all.append(event.event ?? "") }
                return all
            }
            #expect(resumed == ["state-changed", "session-ended"])
        }
    }

    @Test("The live feed opens with the room's signals, visitor speaking and microphone muted, which do not move the resume point")
    func liveSignals() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let first = try await backend.http.events("/api/sessions/\(session.identifier)/events") { events in
                var iterator = events.makeAsyncIterator()
                var seen: [ServerSentEvent] = []
                for _ in 0..<3 { seen.append(try #require(try await iterator.next())) }
                return seen
            }
            #expect(first.map(\.event) == ["session-created", "visitor-speaking", "microphone"])
            // No id of their own: the resume point stays at the log's last event.
            #expect(first.map(\.id) == ["1", "1", "1"])
            #expect(first[1].json["speaking"]?.boolValue == false)
            #expect(first[2].json["muted"]?.boolValue == false)
        }
    }

    @Test("Pages on loopback (the station's dashboard) may call from a browser, errors included; other origins get no CORS headers")
    func crossOrigin() async throws {
        try await BackendHarness.withBackend { backend in
            let preflight = try await backend.http.request(
                "OPTIONS",
                "/api/connect",
                headers: [
                    "Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
                ]
            )
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "http://127.0.0.1:3000")
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
            let missing = try await backend.http.get("/api/sessions/no-such-session", headers: ["Origin": "http://localhost:3000"])
            #expect(missing.status == 404)
            #expect(missing.header("Access-Control-Allow-Origin") == "http://localhost:3000")
            let foreign = try await backend.http.request(
                "OPTIONS",
                "/api/connect",
                headers: ["Origin": "http://evil.example", "Access-Control-Request-Method": "POST"]
            )
            #expect(foreign.header("Access-Control-Allow-Origin") == nil)
        }
        let named = CrossOriginPolicy(origins: ["http://tv-box.local:3000/"])
        #expect(named.allows("http://TV-box.local:3000"))
        #expect(!named.allows("http://tv-box.local:4000"))
        #expect(!named.allows("http://[::1]:3000"), "loopback pages are not all the dashboard")
        #expect(CrossOriginPolicy(anyOrigin: true).allows("https://anywhere.example"))
        // The station's dashboard on this machine, by whatever name the page reached it.
        let station = CrossOriginPolicy(dashboardPort: 3000)
        #expect(station.allows("http://[::1]:3000", addressedAs: "127.0.0.1:8765"))
        #expect(station.allows("http://192.168.1.20:3000", addressedAs: "192.168.1.20:8765"))
        #expect(!station.allows("http://192.168.1.99:3000", addressedAs: "192.168.1.20:8765"))
        #expect(!station.allows("http://127.0.0.1:3001", addressedAs: "127.0.0.1:8765"))
        #expect(!station.allows("null", addressedAs: "127.0.0.1:8765"))
        #expect(!station.allows("http://127.evil.example:3000", addressedAs: "127.0.0.1:8765"), "a name, not a loopback address")
    }

    @Test("The caller rule: the service's own names and addresses, its own pages, programs; not rebound names or other pages")
    func callerPolicy() {
        let policy = CallerPolicy(service: "backend", hostNames: ["TV-Box.Gallery.lan"])
        for host in ["127.0.0.1:8765", "[::1]:8765", "localhost:8765", "192.168.1.20", "[fe80::1]", "tv-box.gallery.lan.", "app.localhost:1"] {
            #expect(policy.allowsHost(host), "\(host)")
        }
        for host in ["evil.example:8765", "127.0.0.1.evil.example", "localhost.evil.example", ""] {
            #expect(!policy.allowsHost(host), "\(host)")
        }
        #expect(policy.allowsOrigin("http://127.0.0.1:8765", authority: "127.0.0.1:8765"), "its own page")
        #expect(policy.allowsOrigin("ws://127.0.0.1", authority: "127.0.0.1:8765"), "a WebSocket library's")
        #expect(!policy.allowsOrigin("http://127.0.0.1:9999", authority: "127.0.0.1:8765"))
        #expect(!policy.allowsOrigin("http://evil.example:8765", authority: "127.0.0.1:8765"))
        #expect(!policy.allowsOrigin("null", authority: "127.0.0.1:8765"))
    }

    @Test("Curator tools: play a chosen clip as the next turn, raise needs-help")
    func curatorTools() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            let search = try await backend.http.get("/api/search?q=murder&limit=3")
            #expect(search.status == 200)
            guard case .array(let clips) = search.json["clips"], let first = clips.first else {
                Issue.record("no clips: \(search.text)")
                return
            }
            let clipID = try #require(first["id"]?.int64Value)
            #expect(first["text"]?.stringValue?.lowercased().contains("murder") == true)
            let play = try await backend.http.post("/api/sessions/\(session.identifier)/play", #"{"clip_id": \#(clipID)}"#)
            #expect(play.status == 200, "\(play.text)")
            #expect(play.json["kind"]?.stringValue == "curator")
            #expect(play.json["clip"]?["id"]?.int64Value == clipID)
            let help = try await backend.http.post("/api/sessions/\(session.identifier)/needs-help", #"{"reason": "visitor is stuck"}"#)
            #expect(help.status == 200)
            #expect(help.json["session"]?["needs_help"]?.boolValue == true)
            #expect(try await backend.eventTypes(of: session.identifier).suffix(2) == ["decision", "needs-help"])
            let listed = try await backend.http.get("/api/sessions?status=live")
            guard case .array(let sessions) = listed.json["sessions"] else {
                Issue.record("no sessions")
                return
            }
            #expect(sessions.first?["needs_help_reason"]?.stringValue == "visitor is stuck")
        }
    }

    @Test("The library over HTTP: films, search, and each indexed video with byte ranges")
    func libraryAndMedia() async throws {
        try await BackendHarness.withBackend(video: true) { backend in
            let http = backend.http
            let films = try await http.get("/api/films")
            guard case .array(let list) = films.json["films"] else {
                Issue.record("no films: \(films.text)")
                return
            }
            #expect(list.count == 4)
            let video = try #require(list.first { $0["has_video"]?.boolValue == true })
            let filmID = try #require(video["id"]?.int64Value)
            #expect(video["media_url"]?.stringValue == "http://127.0.0.1:\(backend.port)/media/\(filmID)")
            #expect(try await http.get("/api/films/\(filmID)").json["title"] == video["title"])

            let file = try #require(try await backend.library.film(id: filmID)?.videoPath)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let whole = try await http.get("/media/\(filmID)")
            #expect(whole.status == 200)
            #expect(whole.body == bytes)
            #expect(whole.header("accept-ranges") == "bytes")
            #expect(whole.header("content-type") == "video/mp4")

            let part = try await http.get("/media/\(filmID)", headers: ["Range": "bytes=100-1099"])
            #expect(part.status == 206)
            #expect(part.body == Array(bytes[100...1099]))
            #expect(part.header("content-range") == "bytes 100-1099/\(bytes.count)")
            let tail = try await http.get("/media/\(filmID)", headers: ["Range": "bytes=-500"])
            #expect(tail.body == Array(bytes.suffix(500)))
            let open = try await http.get("/media/\(filmID)", headers: ["Range": "bytes=\(bytes.count - 10)-"])
            #expect(open.body == Array(bytes.suffix(10)))
            let outside = try await http.get("/media/\(filmID)", headers: ["Range": "bytes=\(bytes.count + 5)-"])
            #expect(outside.status == 416)
            #expect(outside.header("content-range") == "bytes */\(bytes.count)")

            // Subtitles-only films have no video; a missing file says so.
            let subtitlesOnly = try #require(list.first { $0["has_video"]?.boolValue == false }?["id"]?.int64Value)
            #expect(try await http.get("/media/\(subtitlesOnly)").json["code"]?.stringValue == "no-video")
            try FileManager.default.moveItem(atPath: file, toPath: file + ".moved")
            let missing = try await http.get("/media/\(filmID)")
            #expect(missing.status == 404)
            #expect(missing.json["code"]?.stringValue == "video-missing")
            // No path is ever taken from the request.
            #expect(try await http.get("/media/..%2F..%2Fetc%2Fpasswd").status == 404)

            let search = try await http.get("/api/search?q=butler")
            guard case .array(let hits) = search.json["clips"] else {
                Issue.record("no hits")
                return
            }
            #expect(hits.first?["text"]?.stringValue == "I'm the new butler, sir.")
            #expect(hits.first?["media_url"]?.stringValue?.hasSuffix("/media/\(filmID)") == true)
        }
    }

    @Test("Metrics in Prometheus format count sessions, turns and decision time")
    func metrics() async throws {
        try await BackendHarness.withBackend { backend in
            let session = try await backend.connect()
            _ = try await backend.http.post("/api/sessions/\(session.identifier)/say", #"{"text": "Who are you?"}"#)
            _ = try await backend.http.post("/api/sessions/\(session.identifier)/end")
            let reply = try await backend.http.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("text/plain") == true)
            let text = reply.text
            #expect(text.contains("cinema_sessions_created_total 1"))
            #expect(text.contains("cinema_sessions_live 0"))
            #expect(text.contains(#"cinema_turns_total{kind="reply"} 1"#))
            #expect(text.contains(#"cinema_sessions_ended_total{reason="operator"} 1"#))
            #expect(text.contains("cinema_decision_seconds_bucket"))
            #expect(text.contains("cinema_decision_seconds_count 1"))
        }
    }

    @Test("Health is 503 and names the library when there is nothing to say")
    func degradedHealth() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try LibraryDatabase.open(path: directory.file("empty.sqlite"))
            try await BackendHarness.run(home: directory.file("home"), library: library) { backend in
                let health = try await backend.http.get("/health")
                #expect(health.status == 503)
                #expect(health.json["status"]?.stringValue == "degraded")
                #expect(health.json["failing"]?.stringValue == "library")
                #expect(health.json["error"]?.stringValue?.contains("cinema demo") == true)
            }
        }
    }
}
