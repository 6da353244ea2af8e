import CinemaCore
import CinemaSpeech
import CinemaTestSupport
import Foundation
import GRDB
import Logging
import Testing

@testable import CinemaLibrary

/// Films without subtitles heard by the real model service (cinema-models), the same one the
/// installation runs: demo films with their `.srt` taken away, whose exact `.srt` is then the
/// reference for what was heard.
@Suite(
    "Transcribing films without subtitles",
    .tags(.media),
    .enabled(if: ModelServiceFixture.isInstalled, Comment(rawValue: ModelServiceFixture.missing))
)
struct FilmTranscriptionTests {
    /// The start of the demo's first film: about 40 s of speech, quick to render and to hear.
    static let shortFilm = Self.excerpt(of: DemoScreenplay.greetings, lines: 0..<10, slug: "Short_Evening_1947")
    /// Another short film, whose subtitles stay beside it.
    static let subtitledFilm = Self.excerpt(of: DemoScreenplay.greetings, lines: 10..<16, slug: "Short_Morning_1947")

    static func excerpt(of film: DemoFilm, lines: Range<Int>, slug: String) -> DemoFilm {
        DemoFilm(
            slug: slug,
            title: slug.replacingOccurrences(of: "_", with: " "),
            year: film.year,
            background: film.background,
            cast: film.cast,
            script: film.lines[lines].map { "\($0.speaker): \($0.text)" }.joined(separator: "\n")
        )
    }

    static func service() async throws -> WhisperWordTranscriber {
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = try await ModelServiceFixture.baseURL()
        return WhisperWordTranscriber(configuration: configuration)
    }

    static func indexer(_ library: TestLibrary, _ transcriber: any SoundtrackTranscriber, pieceSeconds: Double? = nil) -> Indexer {
        var transcription = TranscriptionConfiguration()
        if let pieceSeconds {
            transcription.pieceSeconds = pieceSeconds
            transcription.cutLeeway = pieceSeconds / 4
        }
        return Indexer(
            database: library.database,
            probe: MediaProbe(configuration: library.database.configuration),
            logger: Logger(label: "test"),
            transcriber: transcriber,
            transcription: transcription
        )
    }

    static func cues(of path: String, in library: TestLibrary) async throws -> [Cue] {
        try await library.database.read { db in
            let film = try FilmRecord.filter(FilmRecord.Columns.sourcePath == path).fetchOne(db)
            return try CueRecord.filter(CueRecord.Columns.filmId == film?.id).order(CueRecord.Columns.ordinal).fetchAll(db).map {
                Cue(ordinal: $0.ordinal, start: $0.start, end: $0.end, text: $0.text, kind: $0.kind)
            }
        }
    }

    static func film(_ path: String, in library: TestLibrary) async throws -> FilmRecord? {
        try await library.database.read { db in try FilmRecord.filter(FilmRecord.Columns.sourcePath == path).fetchOne(db) }
    }

    @Test("Two demo films heard without their .srt: at least 90 % of the words, every line recognised starting within 0.3 s")
    func accuracy() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([DemoScreenplay.greetings, DemoScreenplay.smallTalk], into: directory.file("demo"))
            let folder = try directory.makeDirectory("films")
            let videos = try made.map { try DemoFilms.videoAlone($0, in: folder) }
            let library = try TestLibrary(directory)

            let report = try await Self.indexer(library, try await Self.service()).index([folder])
            #expect(Set(report.transcribed) == [DemoScreenplay.greetings.displayTitle, DemoScreenplay.smallTalk.displayTitle])
            #expect(report.withoutDialogue.isEmpty && report.failed.isEmpty, "\(report.withoutDialogue) \(report.failed)")
            #expect(report.transcription?.model == "whisper-base")

            var total = TranscriptComparison()
            for (film, video) in zip(made, videos) {
                let comparison = TranscriptComparison(
                    reference: try SubtitleParser.parse(fileAt: film.subtitles).cues,
                    heard: try await Self.cues(of: video, in: library)
                )
                print("\((video as NSString).lastPathComponent): \(comparison)")
                total = total + comparison
            }
            print("Both films: \(total)")
            #expect(total.wordsRight >= 0.9, "\(total)")
            #expect(Double(total.startErrors.count) >= 0.85 * Double(total.referenceCues), "\(total)")
            #expect(total.startError(percentile: 1) <= 0.3, "\(total)")

            // The lines are the library's like any other, marked as heard rather than read.
            let clips = try await library.database.search("good evening to you")
            #expect(clips.first?.transcribed == true)
            #expect(clips.first?.videoPath == videos[0])
            let films = try await library.database.films()
            #expect(films.allSatisfy { $0.subtitleSource == "transcribed:whisper-base" })
        }
    }

    @Test("A run stopped after two pieces keeps them and the lines heard; the next run sends only the rest")
    func resumes() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([Self.shortFilm], into: directory.file("demo"))
            let folder = try directory.makeDirectory("films")
            let video = try DemoFilms.videoAlone(made[0], in: folder)
            let library = try TestLibrary(directory)
            let first = CountingTranscriber(try await Self.service())

            // Stopped as Ctrl-C stops `cinema index`: its task is cancelled, here as soon as the
            // second piece is stored (progress is reported from within that task, a child of
            // this test's).
            async let run = Self.indexer(library, first, pieceSeconds: 12).index([folder]) { _ in
            } transcriptionProgress: { _ in
                if first.pieces.count == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            let stopped = try await run
            #expect(stopped.interrupted)
            #expect(stopped.transcribed.isEmpty)
            #expect(stopped.withoutDialogue.first?.reason.contains("stopped while its soundtrack was being heard as far as") == true)
            #expect(first.pieces.count == 2)
            let partial = try #require(try await Self.film(video, in: library))
            #expect(partial.subtitleSource == "transcribing:whisper-base")
            #expect(try await library.database.transcribedPieces(of: partial).count == 2)
            // What was heard is searchable already.
            #expect(partial.cueCount > 0)
            #expect(try await library.database.search("good evening").first?.transcribed == true)

            let second = CountingTranscriber(try await Self.service())
            let resumed = try await Self.indexer(library, second, pieceSeconds: 12).index([folder])
            #expect(resumed.unchanged == 1)
            #expect(resumed.transcribed == [Self.shortFilm.displayTitle])
            #expect(!resumed.interrupted)
            // Nothing heard twice, nothing left out: the pieces of both runs make the film once.
            let duration = try #require(partial.duration)
            let heard = first.pieces.reduce(0, +) + second.pieces.reduce(0, +)
            #expect(abs(heard - duration) < 0.2, "heard \(heard) s of a \(duration) s film")
            #expect(second.pieces.count >= 1)
            let done = try #require(try await Self.film(video, in: library))
            #expect(done.subtitleSource == "transcribed:whisper-base")
            #expect(try await library.database.transcribedPieces(of: done).isEmpty)
            let comparison = TranscriptComparison(
                reference: try SubtitleParser.parse(fileAt: made[0].subtitles).cues,
                heard: try await Self.cues(of: video, in: library)
            )
            #expect(comparison.wordsRight >= 0.85, "\(comparison)")
        }
    }

    @Test("A film half heard by one model is heard again from the start by another, so that its lines come from one model")
    func anotherModel() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([Self.shortFilm], into: directory.file("demo"))
            let folder = try directory.makeDirectory("films")
            let video = try DemoFilms.videoAlone(made[0], in: folder)
            let library = try TestLibrary(directory)
            let first = CountingTranscriber(try await Self.service())
            async let run = Self.indexer(library, first, pieceSeconds: 12).index([folder]) { _ in
            } transcriptionProgress: { _ in
                if first.pieces.count == 1 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            #expect(try await run.interrupted)

            let other = CountingTranscriber(try await Self.service(), model: "whisper-other")
            let report = try await Self.indexer(library, other, pieceSeconds: 12).index([folder])
            #expect(report.transcribed == [Self.shortFilm.displayTitle])
            let film = try #require(try await Self.film(video, in: library))
            #expect(film.subtitleSource == "transcribed:whisper-other")
            #expect(abs(other.pieces.reduce(0, +) - (film.duration ?? 0)) < 0.2, "\(other.pieces)")
        }
    }

    @Test("A film heard once is not sent again, a changed file is heard again, a film with subtitles never is")
    func heardOnce() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([Self.shortFilm, Self.subtitledFilm], into: directory.file("demo"))
            let folder = try directory.makeDirectory("films")
            let video = try DemoFilms.videoAlone(made[0], in: folder)
            let subtitled = try DemoFilms.videoAlone(made[1], in: folder)
            try FileManager.default.copyItem(atPath: made[1].subtitles, toPath: folder + "/Short_Morning_1947.srt")
            let library = try TestLibrary(directory)
            let duration = try #require(try await MediaProbe().probe(video).duration)

            let first = CountingTranscriber(try await Self.service())
            let report = try await Self.indexer(library, first).index([folder])
            #expect(Set(report.added) == [Self.shortFilm.displayTitle, Self.subtitledFilm.displayTitle])
            #expect(report.transcribed == [Self.shortFilm.displayTitle])
            // Only the film without subtitles was sent, whole, in one piece.
            #expect(first.pieces.count == 1)
            #expect(abs(first.pieces.reduce(0, +) - duration) < 0.2)
            #expect(try await Self.film(subtitled, in: library)?.subtitleSource == "sidecar")

            let second = CountingTranscriber(try await Self.service())
            let again = try await Self.indexer(library, second).index([folder])
            #expect(second.pieces.isEmpty)
            #expect(again.unchanged == 2)
            #expect(again.transcribed.isEmpty && again.withoutDialogue.isEmpty)

            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: video)
            let third = CountingTranscriber(try await Self.service())
            let changed = try await Self.indexer(library, third).index([folder])
            #expect(changed.updated == [Self.shortFilm.displayTitle])
            #expect(changed.transcribed == [Self.shortFilm.displayTitle])
            #expect(third.pieces.count == 1)

            // Subtitles that turn up later replace what was heard.
            try FileManager.default.copyItem(atPath: made[0].subtitles, toPath: folder + "/Short_Evening_1947.srt")
            let fourth = CountingTranscriber(try await Self.service())
            let subtitledNow = try await Self.indexer(library, fourth).index([folder])
            #expect(fourth.pieces.isEmpty)
            #expect(subtitledNow.updated == [Self.shortFilm.displayTitle])
            #expect(try await Self.film(video, in: library)?.subtitleSource == "sidecar")
            #expect(try await library.database.search("good evening").allSatisfy { !$0.transcribed })
        }
    }

    @Test("With the service down the film is indexed without dialogue and reported; with it up later, it is heard")
    func serviceDown() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([Self.shortFilm], into: directory.file("demo"))
            let folder = try directory.makeDirectory("films")
            let video = try DemoFilms.videoAlone(made[0], in: folder)
            let library = try TestLibrary(directory)

            // Nothing listens on port 1: the connection is refused at once.
            var nowhere = WhisperRecognizer.Configuration()
            nowhere.baseURL = "http://127.0.0.1:1/v1"
            let down = try await Self.indexer(library, WhisperWordTranscriber(configuration: nowhere)).index([folder])
            #expect(down.added == [Self.shortFilm.displayTitle])
            #expect(!down.hasFailures)
            #expect(down.withoutDialogue.map(\.path) == [video])
            let unavailable = try #require(down.transcription?.unavailable)
            #expect(unavailable.contains("the transcription service at http://127.0.0.1:1/v1 did not answer"), "\(unavailable)")
            let waiting = try #require(try await Self.film(video, in: library))
            #expect(waiting.subtitleSource == "none")
            #expect(waiting.cueCount == 0)

            let up = try await Self.indexer(library, try await Self.service()).index([folder])
            #expect(up.unchanged == 1)
            #expect(up.transcribed == [Self.shortFilm.displayTitle])
            #expect(try await Self.film(video, in: library)?.cueCount ?? 0 > 5)
        }
    }
}

/// The real transcriber, noting the length of each piece it is sent: how a test sees that a
/// piece heard once is not sent again. Given `model`, it says the service runs that one, as a
/// service restarted with another model would.
final class CountingTranscriber: SoundtrackTranscriber {
    let real: any SoundtrackTranscriber
    let renamed: String?
    private let sent = Shared<[Double]>([])

    init(_ real: any SoundtrackTranscriber, model: String? = nil) {
        self.real = real
        renamed = model
    }

    /// The seconds of each piece sent, in order.
    var pieces: [Double] { sent.get() }

    var location: String { real.location }

    func model() async throws(TranscriptionError) -> String {
        if let renamed { return renamed }
        return try await real.model()
    }

    func words(in wav: [UInt8], seconds: Double) async throws(TranscriptionError) -> [TimedWord] {
        let words = try await real.words(in: wav, seconds: seconds)
        sent.withLock { $0.append(seconds) }
        return words
    }
}
