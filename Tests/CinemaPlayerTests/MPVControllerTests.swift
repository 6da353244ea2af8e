import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaPlayer

@Suite("mpv over its IPC socket, headless")
struct MPVControllerTests {
    static var headless: MPVController.Options {
        var options = MPVController.Options()
        options.headless = true
        return options
    }

    @Test("Plays a span of a film: started near its start, ended by eof near its end; a missing file is an error and mpv stays")
    func playsSpans() async throws {
        try await TemporaryDirectory.with { directory in
            let film = directory.file("film.mp4")
            try await MediaFixtures.makeVideo(at: film, seconds: 6)
            try await MPVController.withMPV(options: Self.headless, socketPath: directory.file("mpv.sock")) { mpv in
                let (events, key) = await mpv.subscribe()
                let clock = ContinuousClock()
                let sent = clock.now
                let started = try await mpv.play(film, start: 2, end: 3)
                #expect(abs(started.position - 2) < 0.15, "started at \(started.position)")
                var ended: (String, Duration)?
                for await event in events {
                    if case .ended(let reason, _) = event {
                        ended = (reason, clock.now - sent)
                        break
                    }
                }
                await mpv.unsubscribe(key)
                #expect(ended?.0 == "eof")
                // One second of film, played in real time.
                #expect(ended.map { $0.1 > .milliseconds(800) && $0.1 < .seconds(4) } == true, "\(String(describing: ended))")

                await #expect(throws: PlayerError.self) { try await mpv.play(directory.file("absent.mp4"), start: 0, end: 1) }
                // Still there, idle, and able to play again.
                #expect(try await mpv.command(.array([.string("get_property"), .string("idle-active")])) == .bool(true))
                let again = try await mpv.play(film, start: 4, end: 5)
                #expect(abs(again.position - 4) < 0.15)
            }
        }
    }
}
