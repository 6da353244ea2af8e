import CinemaBackend
import CinemaCore
import CinemaDirector
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A small library for backend tests: a short real video with its own subtitles (so `/media`
/// has something to serve) and three public-domain films' subtitles (so the director has real
/// lines to answer with).
enum BackendTestLibrary {
    static let parlour: [(Double, Double, String)] = [
        (0.5, 1.5, "Hello there."),
        (2, 3, "Good evening."),
        (3.5, 4.5, "Who are you?"),
        (5, 6, "I'm the new butler, sir."),
        (6.5, 7.5, "Goodbye."),
        (8, 9, "Good night."),
    ]

    static let sharedFilms = ["His_Girl_Friday_1940.en.srt", "Charade_1963.en.srt", "Nothing_Sacred_1937.en.srt"]

    static func make(in directory: TemporaryDirectory, video: Bool = true) async throws -> LibraryDatabase {
        let films = try directory.makeDirectory("films")
        if video {
            try await MediaFixtures.makeVideo(at: films + "/The_Parlour_1931.mp4", seconds: 10)
            try directory.write(
                "films/The_Parlour_1931.srt",
                SubRipWriter.text(parlour.map { SubRipWriter.Entry(start: $0.0, end: $0.1, text: $0.2) })
            )
        }
        let library = try LibraryDatabase.open(path: directory.file("library.sqlite"))
        let indexer = Indexer(database: library, probe: MediaProbe(), logger: Logger(label: "test"))
        if video { _ = try await indexer.index([films]) }
        // Read in place from ../shared/data, never copied.
        _ = try await indexer.index(sharedFilms.map(SharedData.film), subtitlesOnly: true)
        return library
    }
}

/// A backend running in this process on a free loopback port, with its own data directory.
struct RunningBackend: Sendable {
    let port: Int
    let home: String
    let operatorToken: String
    let library: LibraryDatabase

    var http: HTTPTestClient { HTTPTestClient(base: "http://127.0.0.1:\(port)") }

    /// `POST /api/connect` for `station`, as the operator; returns the reply's JSON.
    func connect(station: String? = nil) async throws -> Connected {
        let body = station.map { #"{"station": "\#($0)"}"# }
        let reply = try await http.post("/api/connect", body, headers: ["Authorization": "Bearer \(operatorToken)"])
        #expect(reply.status == 200, "\(reply.text)")
        let json = reply.json
        return Connected(
            identifier: try #require(json["identifier"]?.stringValue),
            roomURL: try #require(json["room_url"]?.stringValue),
            token: try #require(json["token"]?.stringValue)
        )
    }

    struct Connected: Sendable {
        var identifier: String
        var roomURL: String
        var token: String

        var deviceURL: String { roomURL + "?token=" + token }
    }

    /// A signer with this backend's secret, to make tokens the tests need (expired, forged for
    /// an unknown room).
    func signer() throws -> RoomTokenSigner {
        let hex = try String(contentsOfFile: home + "/backend-secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        return RoomTokenSigner(secret: Data(bytes))
    }

    func events(of id: String) async throws -> [JSONValue] {
        let reply = try await http.get("/api/sessions/\(id)", headers: ["Authorization": "Bearer \(operatorToken)"])
        guard case .array(let events) = reply.json["events"] else { return [] }
        return events
    }

    func eventTypes(of id: String) async throws -> [String] {
        try await events(of: id).compactMap { $0["type"]?.stringValue }
    }

    func session(_ id: String) async throws -> JSONValue {
        try await http.get("/api/sessions/\(id)", headers: ["Authorization": "Bearer \(operatorToken)"]).json["session"] ?? .null
    }
}

enum BackendHarness {
    /// Settings that keep tests quick: deadlines checked often.
    static func configuration(_ change: (inout BackendConfiguration) -> Void = { _ in }) -> BackendConfiguration {
        var configuration = BackendConfiguration()
        configuration.port = 0
        configuration.tickInterval = 0.05
        change(&configuration)
        return configuration
    }

    /// Runs a backend over `library` for the length of `body`, then shuts it down gracefully.
    static func run(
        home: String,
        library: LibraryDatabase,
        configuration: BackendConfiguration = configuration(),
        speech: any SpeechStage = NoSpeechStage(),
        _ body: @Sendable (RunningBackend) async throws -> Void
    ) async throws {
        var logger = Logger(label: "backend-test")
        logger.logLevel = .warning
        let director = RetrievalDirector(
            library: library,
            configuration: {
                var retrieval = RetrievalConfiguration()
                retrieval.seed = 7
                return retrieval
            }()
        )
        // An empty library cannot be prepared; that case is under test too.
        try? await director.prepare()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let backend = try await buildBackend(
            configuration: configuration,
            home: CinemaHome(path: home),
            library: library,
            director: director,
            speech: speech,
            logger: logger,
            onServerRunning: { port in portContinuation.yield(port) }
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [backend], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let running = RunningBackend(port: port, home: home, operatorToken: backend.operatorToken, library: library)
            do {
                try await body(running)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A fresh directory, library and backend for one test.
    static func withBackend(
        video: Bool = false,
        configuration: BackendConfiguration = configuration(),
        speech: any SpeechStage = NoSpeechStage(),
        _ body: @Sendable (RunningBackend) async throws -> Void
    ) async throws {
        try await TemporaryDirectory.with { directory in
            let library = try await BackendTestLibrary.make(in: directory, video: video)
            try await run(home: directory.file("home"), library: library, configuration: configuration, speech: speech, body)
        }
    }
}
