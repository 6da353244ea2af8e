import CinemaCore
import CinemaStation
import CinemaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The station's supervision of real `cinema client` processes against a real backend: the
/// supervisor in this process, run as the station runs it; the backend and the clients as
/// processes. (Named EndToEnd… so that `script/test` runs it in its end-to-end phase.)
@Suite("The station's client supervisor", .timeLimit(.minutes(3)))
struct EndToEndSupervisorTests {
    /// A supervisor of real clients, with its database in `directory`, run (as the station runs
    /// it) for the length of `body` and then shut down; a dead player unless one is needed, and
    /// quiet logs.
    static func withSupervisor<T: Sendable>(
        in directory: TemporaryDirectory,
        backend: String,
        home: String? = nil,
        environment: [String: String] = [:],
        backoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(30)),
        _ body: @Sendable (ClientSupervisor, StationDatabase) async throws -> T
    ) async throws -> T {
        let database = try StationDatabase.open(path: directory.file("station.sqlite"))
        var settings = ClientSupervisor.Settings(
            executable: CinemaExecutable.path,
            playerURL: "http://127.0.0.1:9",
            backendURL: backend,
            logsDirectory: directory.file("logs")
        )
        if let home { settings.environment = ["CINEMA_HOME": home] }
        settings.environment.merge(environment) { $1 }
        settings.backoff = backoff
        var logger = Logger(label: "test-station")
        logger.logLevel = .critical
        let supervisor = ClientSupervisor(settings: settings, database: database, sessions: BackendSessionProbe(), logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [supervisor], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: T
            do {
                result = try await body(supervisor, database)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }

    /// What the dashboard hands the station for `session`.
    static func launch(_ session: BackendProcess.Session, backend: HTTPTestClient) throws -> ClientSupervisor.Launch {
        .init(
            roomURL: try #require(session.environment["CINEMA_ROOM_URL"]),
            token: try #require(session.environment["CINEMA_TOKEN"]),
            backendURL: backend.base,
            identifier: session.identifier
        )
    }

    @Test("A client killed with SIGKILL is started again and rejoins; once the session ends it exits 0 and stays ended")
    func restartsWhileLive() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            let (_, _) = try await ServerProcess.run(BackendProcess.serve, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    let http = HTTPTestClient(base: backend.base)
                    let connect = try await http.post("/api/connect", "{}")
                    let identifier = try #require(connect.json["identifier"]?.stringValue)
                    try await Self.withSupervisor(
                        in: directory,
                        backend: backend.base,
                        home: home,
                        backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(1))
                    ) { supervisor, database in
                        try await http.events("/api/sessions/\(identifier)/events") { events in
                            var joins = 0
                            let first = try await supervisor.start(
                                .init(
                                    roomURL: try #require(connect.json["room_url"]?.stringValue),
                                    token: try #require(connect.json["token"]?.stringValue),
                                    backendURL: backend.base,
                                    identifier: identifier
                                )
                            ).record
                            #expect(first.state == .running && first.pid > 0)
                            for try await event in events where event.event == "participant-joined" {
                                joins += 1
                                if joins == 1 {
                                    kill(first.pid, SIGKILL)
                                } else {
                                    break
                                }
                            }
                            let clients = try await database.clients()
                            #expect(clients.count == 1)
                            #expect(clients.first?.restarts == 1)
                            #expect(clients.first?.state == .running)
                            #expect(clients.first.map { $0.pid != first.pid && $0.pid > 0 } == true)
                            #expect(clients.first?.exitCode == nil)

                            _ = try await http.post("/api/sessions/\(identifier)/end", "{}")
                            await supervisor.finished(try #require(first.id))
                            let ended = try #require(try await database.clients().first)
                            #expect(ended.state == .exited)
                            #expect(ended.exitCode == 0)
                            #expect(ended.restarts == 1)
                            let log = try String(contentsOfFile: ended.logPath, encoding: .utf8)
                            #expect(log.contains("session-ended: operator"), "\(log.suffix(500))")
                            #expect(log.contains("the client exited with status 137"))
                        }
                    }
                }
            }
        }
    }

    @Test(
        "Five failures within the minute raise needs-help on the session, naming the client's log; the client is still started again while the session lives"
    )
    func crashesRaiseNeedsHelp() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            try await BackendProcess.withSession(home: home) { backend, session in
                try await Self.withSupervisor(
                    in: directory,
                    backend: backend.base,
                    home: home,
                    backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400))
                ) { supervisor, database in
                    let http = backend

                    let reason = try await http.events("/api/sessions/\(session.identifier)/events") { events in
                        let first = try await supervisor.start(try Self.launch(session, backend: backend)).record
                        var kills = 0
                        var reason: String?
                        for try await event in events {
                            if event.event == "needs-help" {
                                let json = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
                                reason = json["data"]?["reason"]?.stringValue
                            }
                            guard event.event == "participant-joined" else { continue }
                            // Back after the help was called: done.
                            if let reason { return reason }
                            // Each time the TV's client has joined, it dies again.
                            let current = try #require(try await database.clients().first { $0.id == first.id })
                            try #require(kills < 5, "five failures and still no needs-help")
                            kill(current.pid, SIGKILL)
                            kills += 1
                        }
                        Issue.record("the feed ended before needs-help")
                        return ""
                    }
                    #expect(reason.contains("failed 5 times"), "\(reason)")
                    let summary = try await backend.get("/api/sessions/\(session.identifier)").json["session"]
                    #expect(summary?["needs_help"]?.boolValue == true)
                    let client = try #require(try await database.clients().first)
                    #expect(reason.contains(client.logPath), "the reason points at the log: \(reason)")
                    #expect(client.restarts == 5 && client.state == .running, "\(client)")
                    #expect(summary?["status"]?.stringValue != "ended", "needs-help does not end the session")

                    _ = try await http.post("/api/sessions/\(session.identifier)/end", "{}")
                    await supervisor.finished(try #require(client.id))
                    let ended = try #require(try await database.clients().first)
                    #expect(ended.state == .exited)
                    let log = try String(contentsOfFile: ended.logPath, encoding: .utf8)
                    #expect(log.components(separatedBy: "the client exited with status 137").count - 1 == 5, "\(log.suffix(800))")
                }
            }
        }
    }

    @Test(
        "A client that can never succeed (exit 2: the backend refused its token; exit 64: its settings are unusable) runs once, is recorded exited with its status, and raises needs-help saying why, with its log's path and last line"
    )
    func hopelessExitsAreNotRestarted() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            try await BackendProcess.withSession(home: home) { backend, session in
                let fast = Backoff(initial: .milliseconds(100), maximum: .milliseconds(400))
                // A bad token: refused by the backend, exit 2.
                var launch = try Self.launch(session, backend: backend)
                launch.token = "not-a-token"
                let badToken = try await Self.withSupervisor(in: directory, backend: backend.base, home: home, backoff: fast) {
                    [launch] refused, refusedDatabase in
                    try await Self.helpOnce(refused, refusedDatabase, launch: launch, backend: backend, status: 2)
                }
                #expect(badToken.reason.contains("refused"), "\(badToken.reason)")
                #expect(badToken.reason.contains("token-"), "the client's last line, with the backend's reason: \(badToken.reason)")

                // Unusable settings: a usage error, exit 64, with a session of its own.
                let other = try await backend.post("/api/connect", "{}")
                let identifier = try #require(other.json["identifier"]?.stringValue)
                let usage = try await Self.withSupervisor(
                    in: directory,
                    backend: backend.base,
                    home: home,
                    environment: ["CINEMA_AUDIO_FILE": directory.file("absent.wav")],
                    backoff: fast
                ) { unusable, unusableDatabase in
                    try await Self.helpOnce(
                        unusable,
                        unusableDatabase,
                        launch: .init(
                            roomURL: try #require(other.json["room_url"]?.stringValue),
                            token: try #require(other.json["token"]?.stringValue),
                            backendURL: backend.base,
                            identifier: identifier
                        ),
                        backend: backend,
                        status: 64
                    )
                }
                #expect(usage.reason.contains("usage error"), "\(usage.reason)")
                #expect(usage.reason.contains("absent.wav"), "the client's last line says which setting: \(usage.reason)")
            }
        }
    }

    /// Starts `launch`'s client, which is to exit `status` for good, and waits for the call for
    /// help on its session; checks the client ran once and is recorded exited with `status`.
    static func helpOnce(
        _ supervisor: ClientSupervisor,
        _ database: StationDatabase,
        launch: ClientSupervisor.Launch,
        backend: HTTPTestClient,
        status: Int32
    ) async throws -> (reason: String, client: ClientRecord) {
        let identifier = try #require(launch.identifier)
        let reason = try await backend.events("/api/sessions/\(identifier)/events") { events in
            _ = try await supervisor.start(launch)
            for try await event in events where event.event == "needs-help" {
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
                return json["data"]?["reason"]?.stringValue ?? ""
            }
            Issue.record("the feed ended before needs-help")
            return ""
        }
        // Ended, so that a supervisor that keeps starting it (the defect) stops, and the checks
        // below see what it did.
        _ = try await backend.post("/api/sessions/\(identifier)/end", "{}")
        let client = try #require(try await database.clients().first { $0.identifier == identifier })
        await supervisor.finished(try #require(client.id))
        let final = try #require(try await database.clients().first { $0.identifier == identifier })
        #expect(final.state == .exited)
        #expect(final.exitCode == status, "\(final)")
        #expect(final.restarts == 0, "a client that cannot succeed is not started again: \(final)")
        let log = try String(contentsOfFile: final.logPath, encoding: .utf8)
        #expect(log.components(separatedBy: "the client exited with status").count - 1 == 1, "it ran once: \(log.suffix(800))")
        #expect(reason.contains("exited \(status)"), "\(reason)")
        #expect(reason.contains(final.logPath), "the reason points at the log: \(reason)")
        #expect(!reason.contains("failed 5 times"), "\(reason)")
        return (reason, final)
    }

    @Test("A client stopped while it waits to be started again stops at once, not when the wait is over, and is not started")
    func stopDuringPause() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            try await BackendProcess.withSession(home: home) { backend, session in
                try await Self.withSupervisor(
                    in: directory,
                    backend: backend.base,
                    home: home,
                    backoff: Backoff(initial: .seconds(60), maximum: .seconds(60))
                ) { supervisor, database in
                    let (changes, key) = await supervisor.watch()
                    let client = try await supervisor.start(try Self.launch(session, backend: backend)).record
                    kill(client.pid, SIGKILL)
                    for await _ in changes where try await database.clients().first?.state == .restarting { break }
                    await supervisor.unwatch(key)

                    let clock = ContinuousClock()
                    let began = clock.now
                    let stopped = try await supervisor.stop(pid: client.pid)
                    #expect(clock.now - began < .seconds(20), "stopped after \(clock.now - began), the pause is 60 s")
                    #expect(stopped.state == .exited)
                    #expect(stopped.pid == client.pid, "no new client was started")
                }
            }
        }
    }

    @Test("A stopped client is not started again; a bad room URL or token is refused before anything runs")
    func stopAndRefuse() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            try await BackendProcess.withSession(home: home) { backend, session in
                try await Self.withSupervisor(in: directory, backend: backend.base) { supervisor, _ in
                    let room = try #require(session.environment["CINEMA_ROOM_URL"])
                    let token = try #require(session.environment["CINEMA_TOKEN"])
                    let base = backend.base

                    await #expect(throws: StationError.self) {
                        try await supervisor.start(
                            .init(roomURL: "file:///etc/passwd", token: token, backendURL: base, identifier: session.identifier)
                        )
                    }
                    await #expect(throws: StationError.self) {
                        try await supervisor.start(.init(roomURL: room, token: "", backendURL: base, identifier: session.identifier))
                    }
                    let client = try await supervisor.start(.init(roomURL: room, token: token, backendURL: base, identifier: session.identifier))
                        .record
                    let stopped = try await supervisor.stop(pid: client.pid)
                    #expect(stopped.state == .exited)
                    #expect(stopped.restarts == 0)
                    #expect(kill(client.pid, 0) != 0, "the process is gone")
                    await #expect(throws: StationError.self) { try await supervisor.stop(pid: client.pid) }
                    // The session lives on: a station stopping its client does not end it.
                    let summary = try await backend.get("/api/sessions/\(session.identifier)").json["session"]
                    #expect(summary?["status"]?.stringValue != "ended")
                }
            }
        }
    }
}
