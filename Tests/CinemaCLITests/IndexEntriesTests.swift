import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `cinema index` on what a films folder should not hold: a named pipe, a link to nowhere, cues
/// too short or too long to be speech. Each is named or counted in the report, in words and in
/// JSON, and nothing hangs.
@Suite("cinema index on odd entries")
struct IndexEntriesTests {
    @Test("A pipe and a dangling link are named, cues left out are counted, in words and in --json")
    func report() async throws {
        try await TemporaryDirectory.with { directory in
            let films = try directory.makeDirectory("films")
            try directory.write(
                "films/Mixed.srt",
                """
                1
                00:00:01,000 --> 00:00:01,001
                Blink.

                2
                00:00:02,000 --> 00:00:04,000
                \(String(repeating: "word ", count: 400))

                3
                00:00:05,000 --> 00:00:06,000
                A line.

                """
            )
            let pipe = try WatchedPipe(films + "/Pipe.srt")
            try FileManager.default.createSymbolicLink(atPath: films + "/Gone.srt", withDestinationPath: directory.file("nowhere.srt"))

            let (json, opened) = try await pipe.watching {
                try await CinemaExecutable.run(
                    ["index", "--json", films, "--subtitles-only"],
                    environment: ["CINEMA_HOME": directory.file("home-json")]
                )
            }
            #expect(!opened, "cinema index opened the named pipe")
            #expect(json.status == 1, "a link to nowhere is a failure: \(json.standardError)")
            let report = try JSONDecoder().decode(ReportShape.self, from: Data(json.standardOutput.utf8))
            #expect(report.added == ["Mixed"])
            #expect(report.skipped.map(\.path) == [pipe.path])
            #expect(report.skipped.first?.reason.contains("named pipe") == true)
            #expect(report.failed.map(\.path) == [films + "/Gone.srt"])
            #expect(report.cuesLeftOut == ReportShape.LeftOut(tooShort: 1, tooLong: 1))

            let words = try await CinemaExecutable.run(["index", films, "--subtitles-only"], environment: ["CINEMA_HOME": directory.file("home")])
            #expect(words.status == 1)
            #expect(words.standardOutput.contains("\(pipe.path): a named pipe (FIFO), not a file; it was not opened"))
            #expect(words.standardOutput.contains("\(films)/Gone.srt: a link to \(directory.file("nowhere.srt")), which does not exist"))
            #expect(words.standardOutput.contains("2 cues were left out of 1 file (1 shorter than 100 ms, 1 longer than 1000 characters):"))
            #expect(words.standardOutput.contains("1 spoken"))
        }
    }

    @Test("cinema index PIPE fails with the pipe's name at once instead of waiting on it for ever")
    func pipeOnCommandLine() async throws {
        try await TemporaryDirectory.with { directory in
            let pipe = try WatchedPipe(directory.file("Film.srt"))
            let (result, opened) = try await pipe.watching {
                try await CinemaExecutable.run(["index", pipe.path, "--subtitles-only"], environment: ["CINEMA_HOME": directory.file("home")])
            }
            #expect(!opened, "cinema index opened the named pipe")
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("\(pipe.path): a named pipe (FIFO), not a file or folder; it was not opened"))
        }
    }

    /// The parts of `cinema index --json` these tests read.
    struct ReportShape: Decodable {
        struct Issue: Decodable {
            var path: String
            var reason: String
        }
        struct LeftOut: Decodable, Equatable {
            var tooShort: Int
            var tooLong: Int
        }
        var added: [String]
        var skipped: [Issue]
        var failed: [Issue]
        var cuesLeftOut: LeftOut?
    }
}
