import CinemaCore
import CinemaTestSupport
import Foundation
import Logging
import Testing

@testable import CinemaLibrary

@Suite("Demo screenplay")
struct DemoScreenplayTests {
    @Test("At least six films and 250 lines, each line voiced, nothing espeak-ng could take for an option")
    func shape() {
        let films = DemoScreenplay.films
        #expect(films.count >= 6)
        #expect(films.reduce(0) { $0 + $1.lines.count } >= 250)
        #expect(Set(films.map(\.slug)).count == films.count)
        for film in films {
            #expect((30...50).contains(film.lines.count), "\(film.slug) should last one to three minutes")
            #expect(Set(film.lines.map(\.speaker)).count >= 2, "\(film.slug) needs a conversation")
            for line in film.lines {
                #expect(film.cast[line.speaker] != nil)
                #expect(!line.text.hasPrefix("-"), "\(line.text)")
                #expect(!line.text.isEmpty)
            }
        }
    }

    @Test("Covers what visitors say: greetings, questions, feelings, jokes, refusals, farewells, 'what?'")
    func themes() {
        let lines = DemoScreenplay.films.flatMap(\.lines).map { $0.text.lowercased() }
        for phrase in [
            "good evening", "hello", "how are you", "what's your name", "i love you", "i'm scared", "tell me a joke", "absolutely not",
            "what did you say", "i don't understand", "say that again", "goodbye", "see you later",
        ] {
            #expect(lines.contains { $0.contains(phrase) }, "no line says “\(phrase)”")
        }
    }
}

@Suite("Demo library", .tags(.media))
struct DemoLibraryTests {
    static let films = [
        DemoFilm(
            slug: "Tiny_Hello_1940",
            title: "Tiny Hello",
            year: 1940,
            background: "0x202020",
            cast: ["ANN": .init(name: "en-gb+f3", pitch: 60, speed: 160), "BOB": .init(name: "en-us+m3", pitch: 40, speed: 160)],
            script: "ANN: Hello there.\nBOB: Hello yourself.\n--\nANN: Goodbye now."
        ),
        DemoFilm(
            slug: "Tiny_Weather_1941",
            title: "Tiny Weather",
            year: 1941,
            background: "0x302020",
            cast: ["CY": .init(name: "en-us+m2", pitch: 50, speed: 170), "DI": .init(name: "en-gb+f2", pitch: 65, speed: 170)],
            script: "CY: Is it raining?\nDI: Cats and dogs."
        ),
    ]

    private func builder(_ films: [DemoFilm] = Self.films, espeak: String = "espeak-ng") -> DemoLibraryBuilder {
        DemoLibraryBuilder(configuration: LibraryConfiguration(), espeak: espeak, films: films, logger: Logger(label: "test"))
    }

    @Test("Each film is a video with an exact .srt: the voice is heard inside every cue and nowhere else")
    func exactSubtitles() async throws {
        try await TemporaryDirectory.with { directory in
            let report = try await builder().build(into: directory.path)
            #expect(
                report.rendered == ["Tiny Hello (1940)", "Tiny Weather (1941)"] || report.rendered == ["Tiny Weather (1941)", "Tiny Hello (1940)"]
            )

            let video = directory.file("Tiny_Hello_1940.mp4")
            let document = try SubtitleParser.parse(fileAt: directory.file("Tiny_Hello_1940.srt"))
            #expect(document.cues.map(\.text) == ["Hello there.", "Hello yourself.", "Goodbye now."])
            let info = try await MediaProbe().probe(video)
            #expect(info.title == "Tiny Hello (1940)")
            let expected =
                DemoFilmRenderer.opening + DemoFilmRenderer.pause + DemoFilmRenderer.scenePause + DemoFilmRenderer.closing
                + document.cues.reduce(0) { $0 + $1.duration }
            #expect(abs((info.duration ?? 0) - expected) < 0.15)

            let rate = 16000
            let samples = try await MediaFixtures.audioSamples(of: video, sampleRate: rate)
            func loudness(_ from: Double, _ to: Double) -> Double {
                let range = max(0, Int(from * Double(rate)))..<min(samples.count, Int(to * Double(rate)))
                guard !range.isEmpty else { return 0 }
                return (samples[range].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(range.count)).squareRoot()
            }
            var edges = [0.0]
            for cue in document.cues {
                #expect(loudness(cue.start, cue.end) > 500, "no voice inside “\(cue.text)”")
                edges += [cue.start, cue.end]
            }
            edges.append(info.duration ?? 0)
            // Between cues (and before the first, after the last) the soundtrack is silent;
            // the margins allow for the AAC encoder's smearing.
            for gap in stride(from: 0, to: edges.count, by: 2) {
                #expect(loudness(edges[gap] + 0.12, edges[gap + 1] - 0.12) < 60, "sound between \(edges[gap]) and \(edges[gap + 1])")
            }
        }
    }

    @Test("Running again reuses what is up to date and remakes only what changed or went missing")
    func idempotent() async throws {
        try await TemporaryDirectory.with { directory in
            _ = try await builder().build(into: directory.path)
            let hello = directory.file("Tiny_Hello_1940.mp4")
            let weather = directory.file("Tiny_Weather_1941.mp4")
            let made = try FileManager.default.attributesOfItem(atPath: hello)[.modificationDate] as? Date

            let again = try await builder().build(into: directory.path)
            #expect(again.rendered.isEmpty)
            #expect(again.reused.count == 2)
            #expect(try FileManager.default.attributesOfItem(atPath: hello)[.modificationDate] as? Date == made)

            var changed = Self.films
            changed[1] = DemoFilm(
                slug: "Tiny_Weather_1941",
                title: "Tiny Weather",
                year: 1941,
                background: "0x302020",
                cast: Self.films[1].cast,
                script: "CY: Is it snowing?\nDI: Not a flake."
            )
            try FileManager.default.removeItem(atPath: hello)
            let third = try await builder(changed).build(into: directory.path)
            #expect(Set(third.rendered) == ["Tiny Hello (1940)", "Tiny Weather (1941)"])
            #expect(try SubtitleParser.parse(fileAt: directory.file("Tiny_Weather_1941.srt")).cues.map(\.text) == ["Is it snowing?", "Not a flake."])
            #expect(FileManager.default.fileExists(atPath: weather))
            // No work files or half-written videos are left behind.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test("Without espeak-ng the error says how to install it")
    func missingEspeak() async throws {
        try await TemporaryDirectory.with { directory in
            do {
                _ = try await builder(espeak: "/nonexistent/espeak-ng").build(into: directory.path)
                Issue.record("expected an error")
            } catch {
                #expect("\(error)".contains("espeak-ng was not found at '/nonexistent/espeak-ng'"))
                #expect("\(error)".contains("apt-get install espeak-ng"))
            }
        }
    }
}
