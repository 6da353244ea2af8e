import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

extension Tag {
    @Tag static var media: Self
}

@Suite("The cinema command")
struct CLITests {
    @Test("--help lists the subcommands, and each has its own help")
    func help() async throws {
        let root = try await CinemaExecutable.run(["--help"])
        #expect(root.status == 0)
        for command in ["demo", "index", "search"] {
            #expect(root.standardOutput.contains(command))
            let help = try await CinemaExecutable.run([command, "--help"])
            #expect(help.status == 0, "\(command) --help")
            #expect(help.standardOutput.contains("--home"))
        }
        #expect(try await CinemaExecutable.run(["search", "--help"]).standardOutput.contains("CINEMA_SEARCH_LIMIT"))
    }

    @Test("Index the 60 films' subtitles, then search them as JSON")
    func indexAndSearchFilms() async throws {
        try await TemporaryDirectory.with { directory in
            let environment = ["CINEMA_HOME": directory.file("home")]
            let index = try await CinemaExecutable.run(["index", SharedData.films, "--subtitles-only"], environment: environment)
            #expect(index.status == 0, "\(index.standardError)")
            #expect(index.standardOutput.contains("Indexed 60 films"))
            #expect(index.standardOutput.contains("60 added"))
            // Not a terminal: progress comes as plain lines.
            #expect(index.standardError.contains("[60/60]"))

            let search = try await CinemaExecutable.run(["search", "--json", "--limit", "3", "who", "are", "you?"], environment: environment)
            #expect(search.status == 0)
            let clips = try JSONDecoder().decode([Clip].self, from: Data(search.standardOutput.utf8))
            #expect(clips.count == 3)
            for clip in clips {
                #expect(clip.text.lowercased().contains("who are you"))
                #expect(clip.start < clip.cueStart && clip.cueEnd < clip.end)
                #expect(clip.score! > 0)
                #expect(!clip.filmTitle.isEmpty)
            }
            let human = try await CinemaExecutable.run(["search", "afraid of fire"], environment: environment)
            #expect(human.standardOutput.contains("Night of the Living Dead (1968)"))
            #expect(human.standardOutput.contains("They're afraid of fire. I found that out."))
        }
    }

    @Test("Flags win over the environment, which wins over .env in the working directory")
    func configurationPrecedence() async throws {
        try await TemporaryDirectory.with { directory in
            try directory.write("films/Line.srt", "1\n00:00:01,000 --> 00:00:02,000\nA line.\n")
            try directory.write(".env", "CINEMA_HOME=\(directory.file("from-dotenv"))\n")
            let films = directory.file("films")
            func libraryPath(_ arguments: [String], _ environment: [String: String]) async throws -> String? {
                let result = try await CinemaExecutable.run(
                    ["index", films, "--subtitles-only"] + arguments,
                    environment: environment,
                    workingDirectory: directory.path
                )
                #expect(result.status == 0, "\(result.standardError)")
                return result.standardOutput.split(separator: "\n").last?.split(separator: " ").last.map(String.init)
            }
            #expect(try await libraryPath([], [:]) == directory.file("from-dotenv/library.sqlite"))
            #expect(try await libraryPath([], ["CINEMA_HOME": directory.file("from-env")]) == directory.file("from-env/library.sqlite"))
            #expect(
                try await libraryPath(["--home", directory.file("from-flag")], ["CINEMA_HOME": directory.file("from-env")])
                    == directory.file("from-flag/library.sqlite")
            )
        }
    }

    @Test("A folder that does not exist is named, the others are indexed, and the exit status says so")
    func missingFolder() async throws {
        try await TemporaryDirectory.with { directory in
            try directory.write("films/Line.srt", "1\n00:00:01,000 --> 00:00:02,000\nA line.\n")
            let missing = directory.file("no-such-folder")
            let result = try await CinemaExecutable.run(
                ["index", missing, directory.file("films"), "--subtitles-only"],
                environment: ["CINEMA_HOME": directory.file("home")]
            )
            #expect(result.status == 1)
            #expect(result.standardOutput.contains("\(missing): no such file or folder"))
            #expect(result.standardOutput.contains("1 added"))
        }
    }

    @Test("An unreadable file is named in the report, the readable ones are indexed, and --json says the same")
    func unreadableFile() async throws {
        try await TemporaryDirectory.with { directory in
            try directory.write("films/Readable.srt", "1\n00:00:01,000 --> 00:00:02,000\nI can be read.\n")
            let locked = try directory.write("films/Locked.srt", "1\n00:00:01,000 --> 00:00:02,000\nYou cannot read me.\n")
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: locked)
            let home = try directory.makeDirectory("home")
            for path in [directory.path, directory.file("films"), home] {
                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path)
            }
            // Root reads anything, so read as an ordinary user when the tests run as root.
            let user = getuid() == 0 ? "nobody" : nil
            let result = try await CinemaExecutable.run(
                ["index", "--json", directory.file("films"), "--subtitles-only"],
                environment: ["CINEMA_HOME": home],
                workingDirectory: "/",
                asUser: user
            )
            #expect(result.status == 1, "\(result.standardError)")
            let report = try JSONDecoder().decode(ReportShape.self, from: Data(result.standardOutput.utf8))
            #expect(report.added == ["Readable"])
            #expect(report.failed.map(\.path) == [locked])
            #expect(report.failed.first?.reason.contains("cannot be read") == true)
        }
    }

    /// The parts of `cinema index --json` a script would read.
    struct ReportShape: Decodable {
        struct Issue: Decodable {
            var path: String
            var reason: String
        }
        var added: [String]
        var failed: [Issue]
    }

    @Test("A library file that is not SQLite: one clear line and a non-zero exit, the file untouched")
    func notSQLite() async throws {
        try await TemporaryDirectory.with { directory in
            let junk = try directory.write("home/library.sqlite", String(repeating: "garbage ", count: 200))
            let result = try await CinemaExecutable.run(["search", "hello"], environment: ["CINEMA_HOME": directory.file("home")])
            #expect(result.status == 1)
            #expect(result.standardError.contains("\(junk) is not an SQLite database"))
            #expect(try String(contentsOfFile: junk, encoding: .utf8).hasPrefix("garbage"))
        }
    }

    @Test("An empty library says how to fill it; bad options are refused")
    func emptyLibraryAndBadOptions() async throws {
        try await TemporaryDirectory.with { directory in
            let environment = ["CINEMA_HOME": directory.file("home")]
            let empty = try await CinemaExecutable.run(["search", "hello"], environment: environment)
            #expect(empty.status == 1)
            #expect(empty.standardError.contains("cinema demo"))
            let limit = try await CinemaExecutable.run(["search", "--limit", "0", "hello"], environment: environment)
            #expect(limit.status != 0)
            #expect(limit.standardError.contains("--limit must be between 1 and 1000"))
            let level = try await CinemaExecutable.run(["search", "hello"], environment: environment.merging(["CINEMA_LOG_LEVEL": "loud"]) { $1 })
            #expect(level.status != 0)
            #expect(level.standardError.contains("Unknown log level 'loud'"))
        }
    }

    @Test("A data directory the user cannot write to is reported with the fix")
    func readOnlyHome() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try directory.makeDirectory("home")
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: home)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            // Root writes anywhere, so run as an ordinary user when the tests run as root.
            let user = getuid() == 0 ? "nobody" : nil
            let result = try await CinemaExecutable.run(["search", "hello"], environment: ["CINEMA_HOME": home], workingDirectory: "/", asUser: user)
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("The data directory \(home) is not writable"))
        }
    }

    @Test("The README's first run: cinema demo, then cinema search hello", .tags(.media))
    func demoThenSearch() async throws {
        try await TemporaryDirectory.with { directory in
            let environment = ["CINEMA_HOME": directory.file("home")]
            let demo = try await CinemaExecutable.run(["demo"], environment: environment)
            #expect(demo.status == 0, "\(demo.standardError)")
            #expect(demo.standardOutput.contains("8 made"))
            #expect(demo.standardOutput.contains("8 added"))

            let search = try await CinemaExecutable.run(["search", "--json", "hello"], environment: environment)
            let clips = try JSONDecoder().decode([Clip].self, from: Data(search.standardOutput.utf8))
            let first = try #require(clips.first)
            #expect(first.text.lowercased().contains("hello"))
            #expect(first.videoPath?.hasPrefix(directory.file("home/demo/")) == true)

            // Every demo film lasts one to three minutes and its .srt lines up with the script.
            let demoFolder = directory.file("home/demo")
            var lines = 0
            for film in SharedData.files(in: demoFolder).filter({ $0.hasSuffix(".mp4") }) {
                let duration = try await MediaFixtures.duration(of: film)
                #expect((60...180).contains(duration), "\(film) lasts \(duration) s")
                let srt = film.replacingOccurrences(of: ".mp4", with: ".srt")
                lines += try String(contentsOfFile: srt, encoding: .utf8).components(separatedBy: " --> ").count - 1
            }
            #expect(lines >= 250)

            let again = try await CinemaExecutable.run(["demo"], environment: environment)
            #expect(again.status == 0)
            #expect(again.standardOutput.contains("0 made, 8 already up to date"))
            #expect(again.standardOutput.contains("8 unchanged"))
        }
    }
}
