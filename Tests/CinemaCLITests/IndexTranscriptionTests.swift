import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

/// `cinema index` on films without subtitles, run as a person would: with no transcription
/// service, and with the real one (cinema-models) stopped by Ctrl-C half way.
@Suite("cinema index of films without subtitles")
struct IndexTranscriptionTests {
    @Test("Without a transcription service, it says once that the films have no subtitles and how to have them heard")
    func noService() async throws {
        try await TemporaryDirectory.with { directory in
            let films = try directory.makeDirectory("films")
            try await MediaFixtures.makeVideo(at: films + "/Silent_Night.mp4", seconds: 2)
            try await MediaFixtures.makeVideo(at: films + "/Quiet_Day.mp4", seconds: 2)
            // Nothing listens on port 1: the connection is refused at once.
            let environment = ["CINEMA_HOME": directory.file("home"), "CINEMA_WHISPER_BASE_URL": "http://127.0.0.1:1/v1"]
            let result = try await CinemaExecutable.run(["index", films], environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            let output = result.standardOutput
            #expect(output.contains("Indexed 2 films"), "\(output)")
            #expect(
                output.contains(
                    "2 films have no subtitles and were indexed without dialogue: the transcription service at http://127.0.0.1:1/v1 "
                        + "did not answer (connection refused: nothing listens there)."
                ),
                "\(output)"
            )
            #expect(output.components(separatedBy: "no subtitles").count == 2, "said once: \(output)")
            #expect(output.contains("To hear their dialogue, install the model service (script/bootstrap, or cinema-models/install)"))
            #expect(output.contains("  " + films + "/Quiet_Day.mp4\n  " + films + "/Silent_Night.mp4\n"))

            let json = try await CinemaExecutable.run(["index", "--json", films], environment: environment)
            let report = try JSONDecoder().decode(IndexReport.self, from: Data(json.standardOutput.utf8))
            #expect(report.unchanged == 2)
            #expect(report.withoutDialogue.count == 2)
            #expect(report.transcription?.unavailable?.contains("connection refused") == true)
        }
    }

    @Test(
        "Ctrl-C while a film is heard keeps every piece heard; the next run goes on from there, and its lines show as transcribed",
        .tags(.media),
        .enabled(if: ModelServiceFixture.isInstalled, Comment(rawValue: ModelServiceFixture.missing))
    )
    func stoppedAndResumed() async throws {
        try await TemporaryDirectory.with { directory in
            let made = try await DemoFilms.render([DemoScreenplay.films[0]], into: directory.file("demo"))
            let films = try directory.makeDirectory("films")
            try DemoFilms.videoAlone(made[0], in: films)
            let environment = [
                "CINEMA_HOME": directory.file("home"),
                "CINEMA_WHISPER_BASE_URL": try await ModelServiceFixture.baseURL(),
                "CINEMA_TRANSCRIPTION_PIECE_SECONDS": "20",
            ]

            // Plain progress lines (no terminal): one before the first piece, one after each.
            let (_, status, log) = try await WatchedProcess.run(["index", films], environment: environment) { index in
                try await index.line(containing: "real time", occurrence: 2, within: .seconds(300))
                try index.send(SIGINT)
            }
            #expect(status == 130, "\(log.joined(separator: "\n"))")
            let stopped = log.joined(separator: "\n")
            #expect(stopped.contains("Stopped before the end. Everything finished is kept"), "\(stopped)")
            #expect(stopped.contains("stopped while its soundtrack was being heard as far as"), "\(stopped)")

            let resumed = try await CinemaExecutable.run(["index", films], environment: environment)
            #expect(resumed.status == 0, "\(resumed.standardError)")
            #expect(resumed.standardOutput.contains("(whisper-base at http://127.0.0.1:"), "\(resumed.standardOutput)")
            #expect(resumed.standardOutput.contains("): 1 film transcribed to the end."), "\(resumed.standardOutput)")
            // It went on from the pieces heard before Ctrl-C, not from the start.
            let first = try #require(resumed.standardError.split(separator: "\n").first { $0.contains(" of film") })
            #expect(!first.hasPrefix("[0:00/"), "\(first)")

            let search = try await CinemaExecutable.run(["search", "good evening"], environment: environment)
            #expect(search.standardOutput.contains("Good Evening, Stranger (1947)"), "\(search.standardOutput)")
            #expect(search.standardOutput.contains("(transcribed)"), "\(search.standardOutput)")
        }
    }
}
