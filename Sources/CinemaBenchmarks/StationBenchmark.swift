import ArgumentParser
import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What the operator waits for after clicking Start Experience: the calls the dashboard makes
/// (`POST /api/connect` to the backend, `POST /api/start_pi_client` to the station), the client
/// process starting and joining, the greeting chosen, and the player starting it. Real backend
/// and station processes (the station with its own headless player), sessions one after
/// another, each stopped (and its client gone) before the next.
struct StationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station",
        abstract: "Benchmark Start Experience: from the dashboard's first call to the greeting clip started on the player."
    )

    @Option(help: "A folder of demo films (cinema demo's output); made afresh in a scratch folder when not given.")
    var demo: String?

    @Option(help: "Sessions to start, one after another.")
    var sessions = 20

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    struct Timings: Sendable {
        var connect: [Double] = []
        var startClient: [Double] = []
        var spawnToReady: [Double] = []
        var startToGreeting: [Double] = []
    }

    func run() async throws {
        let scratchHome = try await ScratchHome.demo(demo, for: "station")
        defer { scratchHome.remove() }
        let home = scratchHome.home

        print("# cinema-bench station — \(sessions) sessions, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        let executable = cinema ?? CinemaExecutable.path
        let environment = ["CINEMA_HOME": home]
        let sessions = self.sessions
        let (timings, _) = try await ServerProcess.run(
            ["serve", "--port", "0", "--speech", "none", "--log-level", "error"],
            environment: environment,
            executable: executable
        ) { backend in
            let (timings, _) = try await ServerProcess.run(
                [
                    "station", "--port", "0", "--player-port", "0", "--headless", "--idle", "black", "--backend-url", backend.base, "--log-level",
                    "error",
                ],
                environment: environment,
                executable: executable
            ) { station in
                let timings = try await Self.measure(
                    sessions,
                    backend: HTTPTestClient(base: backend.base),
                    station: HTTPTestClient(base: station.base)
                )
                try station.send(SIGTERM)
                return timings
            }
            try backend.send(SIGTERM)
            return timings
        }
        func row(_ what: String, _ values: [Double]) -> [String] {
            let p = Percentiles(values)
            return [what, "\(values.count)", String(format: "%.0f", p.p50), String(format: "%.0f", p.p99), String(format: "%.0f", p.max)]
        }
        print(
            Table.markdown(
                header: ["what", "sessions", "p50 ms", "p99 ms", "max ms"],
                rows: [
                    row("Start Experience → greeting clip started on the player", timings.startToGreeting),
                    row("  POST /api/connect (backend)", timings.connect),
                    row("  POST /api/start_pi_client (station: spawned, running)", timings.startClient),
                    row("client spawn asked → client-ready in the room", timings.spawnToReady),
                ]
            )
        )
    }

    static func measure(_ sessions: Int, backend: HTTPTestClient, station: HTTPTestClient) async throws -> Timings {
        let player = try await station.get("/api/station").json["playerUrl"]?.stringValue ?? ""
        let clock = ContinuousClock()
        var timings = Timings()
        for number in 1...sessions {
            // Subscribed first, so that the greeting's start cannot come before we listen.
            let measured = try await HTTPTestClient(base: player).events("/events") { events in
                let started = clock.now
                let connect = try await backend.post("/api/connect", #"{"station": "bench"}"#)
                guard connect.status == 200, let identifier = connect.json["identifier"]?.stringValue else {
                    throw ServerProcess.Failure(description: "POST /api/connect answered \(connect.status): \(connect.text)")
                }
                let connected = clock.now
                let spawnAsked = Date()
                let launch = String(
                    decoding: try JSONEncoder().encode(
                        JSONValue.object([
                            "roomUrl": connect.json["room_url"] ?? .null, "token": connect.json["token"] ?? .null,
                            "backendUrl": .string(backend.base), "identifier": .string(identifier),
                        ])
                    ),
                    as: UTF8.self
                )
                let client = try await station.post("/api/start_pi_client", launch)
                guard client.status == 200 else {
                    throw ServerProcess.Failure(description: "start_pi_client answered \(client.status): \(client.text)")
                }
                let spawned = clock.now
                for try await event in events where event.event == "started" { break }
                let greeting = clock.now
                return (identifier, spawnAsked, connected - started, spawned - connected, greeting - started)
            }
            let (identifier, spawnAsked, connect, startClient, startToGreeting) = measured
            // The client joined when the room logged the device's arrival.
            let detail = try await backend.get("/api/sessions/\(identifier)").json
            let events = (try? detail["events"]?.decode(as: [SessionEvent].self)) ?? []
            guard
                let at = events.first(where: {
                    if case .participantJoined(let joined) = $0.body { joined.role == .device } else { false }
                })?.at
            else { throw ServerProcess.Failure(description: "session \(identifier) has no device join") }
            timings.connect.append(connect / .milliseconds(1))
            timings.startClient.append(startClient / .milliseconds(1))
            timings.startToGreeting.append(startToGreeting / .milliseconds(1))
            timings.spawnToReady.append(at.timeIntervalSince(spawnAsked) * 1000)

            // Stop, and wait for the client to have exited before the next session.
            _ = try await backend.post("/api/sessions/\(identifier)/end", "{}")
            try await station.events("/api/clients/events") { clients in
                for try await update in clients where update.event == "clients" {
                    guard case .array(let list) = update.json else { continue }
                    if list.allSatisfy({ $0["state"]?.stringValue == "exited" }) { return }
                }
            }
            try? FileHandle.standardError.write(
                contentsOf: Data("session \(number)/\(sessions): greeting after \(Int(startToGreeting / .milliseconds(1))) ms\n".utf8)
            )
        }
        return timings
    }
}
