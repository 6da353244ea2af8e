import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaPlayer

@Suite("Words over the clip")
struct OverlayTests {
    /// How many pixels of a band of the screen are text of a colour: white (the film's line) or
    /// yellow (the visitor's words), on a blue film.
    struct Bands {
        var whiteAtBottom = 0
        var yellowAtTop = 0
        var whiteAnywhere = 0

        init(_ pixels: [[UInt8]], width: Int, height: Int) {
            for (index, pixel) in pixels.enumerated() {
                let row = index / width
                let white = pixel[0] > 200 && pixel[1] > 200 && pixel[2] > 200
                let yellow = pixel[0] > 200 && pixel[1] > 200 && pixel[2] < 100
                if white { whiteAnywhere += 1 }
                if white && row > height * 3 / 4 { whiteAtBottom += 1 }
                if yellow && row < height / 4 { yellowAtTop += 1 }
            }
        }
    }

    static func bands(of player: PlayerService, in directory: TemporaryDirectory) async throws -> Bands {
        let shot = directory.file("shot-\(UUID().uuidString).png")
        try await player.screenshot(to: shot)
        return Bands(try await MediaFixtures.rgbPixels(of: shot, width: 640, height: 360), width: 640, height: 360)
    }

    @Test("The visitor's words show at the top and the film's line at the bottom; a clip without them shows no subtitles, not even the film's own")
    func overlayOnScreen() async throws {
        try await PlayerHarness.withPlayer { directory, _, player in
            // A plain blue film that carries its own subtitle track, which must stay hidden.
            let film = directory.file("blue.mkv")
            let ownSubtitles = "1\n00:00:00,000 --> 00:00:30,000\nTHE FILM'S OWN SUBTITLE\n"
            try await MediaFixtures.makeVideo(
                at: film,
                seconds: 30,
                picture: "color=c=blue",
                size: "640x360",
                subtitles: [.init(srt: ownSubtitles, language: "eng")]
            )

            let overlay = Overlay(visitor: "What is your {name}?", line: "I am the film line\nsaid twice")
            _ = try await player.play(PlayerService.Clip(source: film, start: 2, end: 25, clipID: 1, overlay: overlay))
            let shown = try await Self.bands(of: player, in: directory)
            #expect(shown.whiteAtBottom > 100, "the film's line, white at the bottom: \(shown)")
            #expect(shown.yellowAtTop > 30, "the visitor's words, yellow at the top: \(shown)")
            // mpv read the overlay when the clip loaded; nothing is left behind.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("overlay-") }
            #expect(leftovers.isEmpty, "\(leftovers)")

            _ = try await player.play(PlayerService.Clip(source: film, start: 3, end: 25, clipID: 2))
            let plain = try await Self.bands(of: player, in: directory)
            #expect(plain.whiteAnywhere == 0 && plain.yellowAtTop == 0, "no text at all over a plain clip: \(plain)")

            // Nothing to show is no overlay at all.
            _ = try await player.play(PlayerService.Clip(source: film, start: 4, end: 25, clipID: 3, overlay: Overlay(visitor: "  ", line: "")))
            #expect(try await Self.bands(of: player, in: directory).whiteAnywhere == 0)
        }
    }

    @Test("Text that looks like ASS markup is shown as written")
    func escaping() {
        let script = Overlay(visitor: #"{\b1}bold?"#, line: "one\r\ntwo").assScript
        #expect(script.contains("Visitor,,0,0,0,,“(⧵b1)bold?”"))
        #expect(script.contains("Line,,0,0,0,,one\\Ntwo"))
        #expect(!Overlay(visitor: nil, line: "x").assScript.contains("Visitor,,"))
        let long = Overlay(line: String(repeating: "a", count: 1000)).assScript
        #expect(long.contains(String(repeating: "a", count: 279) + "…"))
    }

    @Test("A play and a stop at the same moment: the play is answered by its own start, and screen and status agree")
    func playDuringIdleLoad() async throws {
        let staticNoise: @Sendable (TemporaryDirectory) async throws -> IdleScreen = { directory in
            try await IdleScreen.staticNoise(cachedAt: directory.file("static.mp4"))
        }
        try await PlayerHarness.withPlayer(idle: staticNoise) { _, film, player in
            for round in 1...5 {
                _ = try await player.play(PlayerService.Clip(source: film, start: 1, end: 25, clipID: Int64(round)))
                // The stop brings the static back while the next clip is already on its way.
                async let stopped: Void = player.stop()
                let started = try await player.play(PlayerService.Clip(source: film, start: 5, end: 25, clipID: 100 + Int64(round)))
                try await stopped
                // Answered by the clip's own start, not by the static's.
                #expect(started.position >= 4.9, "round \(round): \(started)")
                // Whichever came first, the screen and the status agree once both are done.
                let path = try await player.property("path")
                if await player.playing?.clipID == 100 + Int64(round) {
                    #expect(path == .string(film), "round \(round)")
                } else {
                    #expect(await player.playing == nil)
                    #expect(path != .string(film), "round \(round)")
                }
            }
        }
    }
}
