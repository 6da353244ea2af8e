import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real backend (`cinema serve` as a process) for the station's clients to join: roles talk
/// over the wire, so the station's tests do not build one in process.
enum BackendProcess {
    static let serve = ["serve", "--port", "0", "--log-level", "error"]

    /// A session's client environment, as the dashboard would have the station start it.
    struct Session: Sendable {
        var identifier: String
        var environment: [String: String]
    }

    /// A data directory with a one-film library indexed by `cinema index`: a few spoken lines,
    /// enough for a greeting.
    static func home(_ directory: TemporaryDirectory) async throws -> (home: String, video: String) {
        let films = directory.file("films")
        try FileManager.default.createDirectory(atPath: films, withIntermediateDirectories: true)
        let lines: [(String, Double)] = [
            ("Good evening.", 1.4), ("Who are you?", 2), ("I am nobody at all.", 2),
            ("Where are you going?", 2), ("Home, to my mother.", 2), ("Goodbye, my friend.", 2),
        ]
        var srt = ""
        var at = 1.0
        for (number, (text, length)) in lines.enumerated() {
            srt +=
                "\(number + 1)\n\(Timecode.format(at, millisecondSeparator: ",")) --> \(Timecode.format(at + length, millisecondSeparator: ","))\n\(text)\n\n"
            at += length + 1.5
        }
        let video = films + "/Evening.mp4"
        try await MediaFixtures.makeVideo(at: video, seconds: at + 3)
        _ = try directory.write("films/Evening.srt", srt)
        let home = directory.file("home")
        let index = try await CinemaExecutable.run(["index", films], environment: ["CINEMA_HOME": home])
        #expect(index.status == 0, "\(index.standardError)")
        return (home, video)
    }

    /// A backend on a free port over `home`, and a new session for station "tv" whose client
    /// plays to nothing (no player listens on port 9: plays fail at once).
    static func withSession<T: Sendable>(home: String, _ body: @Sendable (HTTPTestClient, Session) async throws -> T) async throws -> T {
        let (result, _) = try await ServerProcess.run(serve, environment: ["CINEMA_HOME": home]) { backend in
            try await backend.stopping {
                let http = HTTPTestClient(base: backend.base)
                let connect = try await http.post("/api/connect", #"{"station": "tv"}"#)
                let identifier = try #require(connect.json["identifier"]?.stringValue)
                let environment = [
                    "CINEMA_HOME": home,
                    "CINEMA_ROOM_URL": try #require(connect.json["room_url"]?.stringValue),
                    "CINEMA_TOKEN": try #require(connect.json["token"]?.stringValue),
                    "CINEMA_PLAYER_URL": StationHarness.nowhere,
                ]
                return try await body(http, Session(identifier: identifier, environment: environment))
            }
        }
        return result
    }
}
