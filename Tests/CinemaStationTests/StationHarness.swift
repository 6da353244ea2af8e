import CinemaCore
import CinemaStation
import CinemaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A station running in this process on a free loopback port, with its own data directory.
struct RunningStation: Sendable {
    let port: Int
    let home: String
    let application: StationApplication

    var http: HTTPTestClient { HTTPTestClient(base: "http://127.0.0.1:\(port)") }

    /// `station.sqlite`, opened beside the station's own connection.
    func database() throws -> StationDatabase {
        try StationDatabase.open(path: application.databasePath)
    }
}

enum StationHarness {
    /// No backend and no player listen on port 9: the station is built as it would be for
    /// them, and whatever asks them finds nobody.
    static let nowhere = "http://127.0.0.1:9"

    /// A station on a free port whose clients are this build's `cinema`.
    static func configuration(_ change: (inout StationConfiguration) -> Void = { _ in }) -> StationConfiguration {
        var configuration = StationConfiguration()
        configuration.port = 0
        configuration.name = "test-station"
        configuration.backendURL = nowhere
        configuration.playerURL = nowhere
        configuration.clientExecutable = CinemaExecutable.path
        change(&configuration)
        return configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "station-test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs a station with its data in `home` for the length of `body`, then shuts it down
    /// gracefully, as SIGTERM would.
    static func run<T: Sendable>(
        home: String,
        configuration: StationConfiguration = configuration(),
        _ body: @Sendable (RunningStation) async throws -> T
    ) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let station = try await buildApplication(
            configuration: configuration,
            home: CinemaHome(path: home),
            logger: logger,
            onServerRunning: { port in portContinuation.yield(port) }
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [station], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result: T
            do {
                result = try await body(RunningStation(port: port, home: home, application: station))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }

    /// A fresh data directory and station for one test.
    static func withStation<T: Sendable>(
        configuration: StationConfiguration = configuration(),
        _ body: @Sendable (RunningStation) async throws -> T
    ) async throws -> T {
        try await TemporaryDirectory.with { directory in
            try await run(home: directory.file("home"), configuration: configuration, body)
        }
    }

    /// The body of `POST /api/start_pi_client`.
    static func startBody(room: String, token: String, backend: String, identifier: String? = nil) throws -> String {
        var fields: [String: JSONValue] = ["roomUrl": .string(room), "token": .string(token), "backendUrl": .string(backend)]
        if let identifier { fields["identifier"] = .string(identifier) }
        return String(decoding: try JSONEncoder().encode(JSONValue.object(fields)), as: UTF8.self)
    }
}
