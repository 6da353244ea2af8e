import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("cinema player")
struct PlayerCommandTests {
    @Test("Starts headless without a display, plays a span over HTTP, and on SIGTERM exits 0 taking its mpv with it")
    func runsAndStops() async throws {
        try await TemporaryDirectory.with { directory in
            let film = directory.file("film.mp4")
            try await MediaFixtures.makeVideo(at: film, seconds: 4)
            let (mpvPID, status) = try await ServerProcess.run(["player", "--port", "0"], environment: ["CINEMA_HOME": directory.file("home")]) {
                server in
                let http = HTTPTestClient(base: server.base)
                // A play this early waits for mpv to come up rather than failing.
                let played = try await http.post("/play", #"{"video_path": "\#(film)", "start": 0.5, "end": 1.5}"#)
                #expect(played.status == 200, "\(played.text)")
                #expect(try await http.get("/health").json["mpv_running"]?.boolValue == true)
                let pid = try await http.get("/status").json["mpv_pid"]?.int64Value
                // A client following the events does not keep the player from stopping: its
                // stream ends.
                try await http.events("/events") { events in
                    try server.send(SIGTERM)
                    for try await _ in events {}
                }
                return pid
            }
            #expect(status == 0)
            let pid = try #require(mpvPID)
            #expect(!FileManager.default.fileExists(atPath: "/proc/\(pid)"), "mpv \(pid) was left running")
        }
    }

    @Test("A player killed outright leaves its mpv running and its socket file; the next player to start stops the one and removes the other")
    func orphanedMPV() async throws {
        try await TemporaryDirectory.with { directory in
            let film = directory.file("film.mp4")
            try await MediaFixtures.makeVideo(at: film, seconds: 4)
            let environment = ["CINEMA_HOME": directory.file("home")]
            let arguments = ["player", "--port", "0", "--headless", "--idle", "black"]
            let first = try await EndToEndReconnectTests.Background.start(arguments, environment: environment)
            let http = HTTPTestClient(base: first.server.base)
            // A play waits for mpv to be up; then its PID is known.
            let played = try await http.post("/play", #"{"video_path": "\#(film)", "start": 0.5, "end": 3.5}"#)
            #expect(played.status == 200, "\(played.text)")
            let mpv = try #require(try await http.get("/status").json["mpv_pid"]?.int64Value.map { Int32($0) })
            // The players here are run without TMPDIR: their sockets are in /tmp, named after them.
            let socket = "/tmp/cinema-mpv-\(first.server.processID).sock"
            #expect(try await first.stop(SIGKILL) == 128 + SIGKILL)
            // mpv outlives a player killed with -9, and its socket file stays, until a player
            // starts. Tests running beside this one start players too, and any of them may reap
            // the orphan first: what must hold is that one does, which is checked below.

            let next = try await EndToEndReconnectTests.Background.start(arguments, environment: environment)
            let nextPlay = try await HTTPTestClient(base: next.server.base).post("/play", #"{"video_path": "\#(film)", "start": 0.5, "end": 1.5}"#)
            #expect(nextPlay.status == 200, "\(nextPlay.text)")
            #expect(!EndToEndStationTests.isRunning(mpv), "the orphaned mpv \(mpv) was stopped")
            #expect(!FileManager.default.fileExists(atPath: socket), "the stale socket \(socket) was removed")
            #expect(FileManager.default.fileExists(atPath: "/tmp/cinema-mpv-\(next.server.processID).sock"), "the live player's own socket stays")
            #expect(try await next.stop(SIGTERM) == 0)
        }
    }

    @Test(
        "A span starting at or past the film's end is refused (422, span-outside-film, with the film's length) and the idle screen comes back; one ending past it plays to the end, and the answer says where it ends"
    )
    func spanOutsideFilm() async throws {
        try await TemporaryDirectory.with { directory in
            let film = directory.file("film.mp4")
            try await MediaFixtures.makeVideo(at: film, seconds: 4)
            let arguments = ["player", "--port", "0", "--headless", "--idle", "black", "--log-level", "error"]
            let (_, status) = try await ServerProcess.run(arguments, environment: ["CINEMA_HOME": directory.file("home")]) { server in
                let http = HTTPTestClient(base: server.base)
                // mpv up, and back to the idle screen, before the events are followed.
                #expect(try await http.post("/play", #"{"video_path": "\#(film)", "start": 0.5, "end": 1}"#).status == 200)
                #expect(try await http.post("/stop").status == 200)

                try await http.events("/events") { events in
                    let outside = try await http.post("/play", #"{"video_path": "\#(film)", "start": 10, "end": 12, "clip_id": 7}"#)
                    #expect(outside.status == 422, "\(outside.text)")
                    #expect(outside.json["code"]?.stringValue == "span-outside-film")
                    let sentence = outside.json["error"]?.stringValue ?? ""
                    #expect(sentence.contains("10.00 s") && sentence.contains("4.0"), "the start and the film's length: \(sentence)")
                    // The idle screen, not the clip: what the clip asked for is not said to play.
                    for try await event in events where ["started", "idle"].contains(event.event) {
                        #expect(event.event == "idle", "\(event.event): \(event.data)")
                        break
                    }
                }
                #expect(try await http.get("/status").json["playing"]?.boolValue == false)

                let atTheEnd = try await http.post("/play", #"{"video_path": "\#(film)", "start": 4, "end": 6}"#)
                #expect(atTheEnd.status == 422 && atTheEnd.json["code"]?.stringValue == "span-outside-film", "\(atTheEnd.text)")

                let pastTheEnd = try await http.post("/play", #"{"video_path": "\#(film)", "start": 3, "end": 30}"#)
                #expect(pastTheEnd.status == 200, "\(pastTheEnd.text)")
                let end = try #require(pastTheEnd.json["end"]?.doubleValue)
                #expect(end >= 3.9 && end < 4.5, "it ends where the film does: \(end)")
                try server.send(SIGTERM)
            }
            #expect(status == 0)
        }
    }
}
