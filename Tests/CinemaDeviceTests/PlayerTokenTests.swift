import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaDevice

#if canImport(Glibc)
import Glibc
#endif

/// A player beyond loopback is the operator's: it refuses calls without the operator token, and
/// the client, given the token, drives it.
@Suite("A player beyond loopback", .timeLimit(.minutes(2)))
struct PlayerTokenTests {
    @Test("Without a token to guard it, it will not start; with one, only /health is open, and the client's bridge plays with the token")
    func guarded() async throws {
        try await TemporaryDirectory.with { directory in
            let film = directory.file("film.mp4")
            try await MediaFixtures.makeVideo(at: film, seconds: 4)
            let arguments = ["player", "--host", "0.0.0.0", "--port", "0", "--headless", "--idle", "black", "--log-level", "error"]
            let refused = try await CinemaExecutable.run(arguments, environment: ["CINEMA_HOME": directory.file("empty")])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("operator token"), "\(refused.standardError)")

            let token = "a-token-for-the-test"
            let environment = ["CINEMA_HOME": directory.file("home"), "CINEMA_BACKEND_OPERATOR_TOKEN": token]
            let (_, status) = try await ServerProcess.run(arguments, environment: environment) { player in
                let http = HTTPTestClient(base: player.base)
                // Open (503 while mpv is still starting), never 401.
                #expect([200, 503].contains(try await http.get("/health").status))
                #expect(try await http.get("/status").status == 401)
                let play = #"{"video_path": "\#(film)", "start": 0.5, "end": 1.5}"#
                #expect(try await http.post("/play", play).status == 401)
                #expect(try await http.post("/play", play, headers: ["Authorization": "Bearer wrong"]).status == 403)

                let url = try #require(URL(string: player.base))
                do {
                    _ = try await PlayerBridge(url: url).play(.file(film), start: 0.5, end: 1.5, clipID: 1, overlay: nil)
                    Issue.record("a bridge without the token was let play")
                } catch {
                    #expect("\(error)".contains("401"), "\(error)")
                }
                let position = try await PlayerBridge(url: url, token: token).play(.file(film), start: 0.5, end: 1.5, clipID: 2, overlay: nil)
                #expect(abs(position - 0.5) < 0.5)
                try player.send(SIGTERM)
            }
            #expect(status == 0)
        }
    }
}
