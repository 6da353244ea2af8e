import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaLibrary

@Suite("Library database")
struct LibraryDatabaseTests {
    /// A tiny film whose lines answer each other, with an annotation and a long pause in it.
    static let parlour: [(Double, Double, String)] = [
        (0.1, 1.5, "Hello, who are you?"),
        (2.0, 3.5, "I'm the new butler, sir."),
        (4.0, 5.0, "[DOOR SLAMS]"),
        (5.5, 7.0, "Where have you been all night?"),
        (7.5, 9.0, "Out looking for the cat."),
        (30.0, 32.0, "Much later, a new scene begins."),
        (32.5, 34.0, "And it ends here."),
    ]

    @Test("Search finds spoken lines by their words, best match first, with film and score")
    func search() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/The_Parlour_1931.srt", Self.parlour)
            try library.writeSubtitles("films/Other_Film.srt", [(1, 2, "The cat is on the roof."), (3, 4, "Who cares about cats?")])
            let report = try await library.indexer.index([directory.file("films")], subtitlesOnly: true)
            #expect(report.added.sorted() == ["Other Film", "The Parlour (1931)"])

            let clips = try await library.database.search("where have you been")
            let first = try #require(clips.first)
            #expect(first.text == "Where have you been all night?")
            #expect(first.filmTitle == "The Parlour (1931)")
            #expect(first.score! > 0)
            #expect(clips.map(\.score!) == clips.map(\.score!).sorted(by: >))

            // Porter stemming: "cats" finds "cat".
            let cats = try await library.database.search("cats", limit: 5)
            #expect(Set(cats.map(\.text)) == ["The cat is on the roof.", "Who cares about cats?", "Out looking for the cat."])
            // Annotations are not searchable speech.
            #expect(try await library.database.search("door slams").isEmpty)
        }
    }

    @Test("A clip is the cue padded (0.3 s before, 0.5 s after) and never starts before 0")
    func padding() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("The_Parlour.srt", Self.parlour)
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            let hello = try #require(try await library.database.search("hello").first)
            #expect(hello.start == 0)
            #expect(abs(hello.end - 2.0) < 1e-9)
            #expect(hello.cueStart == 0.1)
            let butler = try #require(try await library.database.search("butler").first)
            #expect(abs(butler.start - 1.7) < 1e-9)
            #expect(abs(butler.end - 4.0) < 1e-9)
        }
    }

    @Test("Padding comes from the configuration")
    func configuredPadding() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = LibraryConfiguration()
            configuration.padBefore = 1
            configuration.padAfter = 0
            let library = try TestLibrary(directory, configuration: configuration)
            try library.writeSubtitles("The_Parlour.srt", Self.parlour)
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            let butler = try #require(try await library.database.search("butler").first)
            #expect(butler.start == 1.0)
            #expect(butler.end == 3.5)
        }
    }

    @Test("The reply to a line is the next spoken line, past annotations, within a few seconds")
    func replies() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("The_Parlour.srt", Self.parlour)
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            func reply(to text: String) async throws -> String? {
                let clip = try #require(try await library.database.search(text).first { $0.text.contains(text) })
                return try await library.database.reply(to: clip.id)?.text
            }
            #expect(try await reply(to: "who are you") == "I'm the new butler, sir.")
            // The door slam between them is not a line; the gap (2.5 s) is within the window.
            #expect(try await reply(to: "new butler") == "Where have you been all night?")
            #expect(try await reply(to: "Where have you been") == "Out looking for the cat.")
            // 21 seconds of silence: a new scene, not an answer.
            #expect(try await reply(to: "looking for the cat") == nil)
            #expect(try await reply(to: "it ends here") == nil)
            #expect(try await library.database.reply(to: 999_999) == nil)
        }
    }

    @Test("Any text a person can type is a valid query")
    func anyTextIsAQuery() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("The_Parlour.srt", Self.parlour)
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            let nasty = [
                "\"", "\"\"", "'", "don't", "NOT", "AND", "OR", "NEAR", "NEAR(a b)", "-", "--", "-cat", "*", "cat*", "^cat", "(", ")",
                ":", "text:cat", "{cat}", "?", "¿Qué?", "😀", "👋🏽 hello", "\u{0}", "\\", "%", "_", "' OR 1=1 --", "", "   ", "\n\t",
                "a\"b\"c", String(repeating: "cat ", count: 500),
            ]
            var generator = SystemRandomNumberGenerator()
            let random = (0..<200).map { _ in
                String(
                    String.UnicodeScalarView(
                        (0..<Int.random(in: 1...20, using: &generator)).compactMap { _ in
                            Unicode.Scalar(UInt32.random(in: 0x20...0x2FFF, using: &generator))
                        }
                    )
                )
            }
            for text in nasty + random {
                _ = try await library.database.search(text)
            }
            #expect(try await library.database.search("-cat").first?.text == "Out looking for the cat.")
            #expect(try await library.database.search("don't").isEmpty)
            #expect(try await library.database.search("👋🏽 hello").first?.text == "Hello, who are you?")
        }
    }

    @Test("A question made only of common words finds the line that says exactly that")
    func stopWordQuestions() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles(
                "Questions.srt",
                [(1, 2, "You are who you are."), (3, 4, "Who are you?"), (5, 6, "Are you sure it was you?"), (7, 8, "Who knows.")]
            )
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            #expect(try await library.database.search("who are you?").first?.text == "Who are you?")
            #expect(SearchQuery("who are you?").keywords.isEmpty)
            #expect(SearchQuery("where is my umbrella?").keywords == ["umbrella"])
        }
    }

    @Test("A line that says the whole sentence comes before shorter lines that share only its keyword")
    func exactSentenceFirst() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles(
                "Pardon.srt",
                [(1, 2, "Say that again?"), (3, 4, "Say something funny."), (5, 6, "Pardon? What did you say?"), (7, 8, "Say it.")]
            )
            _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            let clips = try await library.database.search("what did you say")
            #expect(clips.first?.text == "Pardon? What did you say?")
            #expect(clips.count == 4)
            #expect(clips.map(\.score!) == clips.map(\.score!).sorted(by: >))
        }
    }

    @Test("Re-indexing skips unchanged files, re-reads changed ones and drops removed ones")
    func incremental() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = directory.file("films")
            try library.writeSubtitles("films/Alpha.srt", [(1, 2, "The alpha line.")])
            let beta = try library.writeSubtitles("films/Beta.srt", [(1, 2, "The beta line.")])
            let gamma = try library.writeSubtitles("films/Gamma.srt", [(1, 2, "The gamma line.")])
            try library.writeSubtitles("elsewhere/Delta.srt", [(1, 2, "The delta line.")])
            _ = try await library.indexer.index([films, directory.file("elsewhere")], subtitlesOnly: true)

            let again = try await library.indexer.index([films], subtitlesOnly: true)
            #expect(again.unchanged == 3)
            #expect(again.added.isEmpty && again.updated.isEmpty && again.removed.isEmpty)

            try library.writeSubtitles("films/Beta.srt", [(1, 2, "A rewritten beta line."), (3, 4, "And another.")])
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: beta)
            try FileManager.default.removeItem(atPath: gamma)
            let changed = try await library.indexer.index([films], subtitlesOnly: true)
            #expect(changed.updated == ["Beta"])
            #expect(changed.removed == ["Gamma"])
            #expect(changed.unchanged == 1)
            #expect(try await library.database.search("rewritten").first?.text == "A rewritten beta line.")
            #expect(try await library.database.search("gamma").isEmpty)
            // Films under folders that were not scanned stay.
            #expect(try await library.database.search("delta").first?.text == "The delta line.")
            #expect(try await library.database.statistics() == LibraryStatistics(films: 3, cues: 4, spokenCues: 4))
            try await library.database.checkSearchIndexIntegrity()
        }
    }

    @Test("A missing folder and a junk subtitle file are reported by name; the rest is indexed")
    func badInputIsReported() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            try library.writeSubtitles("films/Good.srt", [(1, 2, "A perfectly good line.")])
            var generator = SystemRandomNumberGenerator()
            let junk = try directory.write("films/Junk.srt", (0..<2048).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let empty = try directory.write("films/Empty.srt", "")
            let missing = directory.file("no-such-folder")
            let report = try await library.indexer.index([missing, directory.file("films")], subtitlesOnly: true)
            #expect(report.added == ["Good"])
            #expect(report.hasFailures)
            #expect(Set(report.failed.map(\.path)) == [missing, junk, empty])
            #expect(report.failed.first { $0.path == missing }?.reason.contains("no such file or folder") == true)
            #expect(report.failed.first { $0.path == junk }?.reason.contains("binary") == true)
            #expect(report.failed.first { $0.path == empty }?.reason.contains("no usable cues") == true)
        }
    }

    @Test("A file that is not SQLite is refused with the path and a fix")
    func notADatabase() async throws {
        try await TemporaryDirectory.with { directory in
            let path = try directory.write("library.sqlite", String(repeating: "This is not a database. ", count: 100))
            #expect(throws: LibraryError.notADatabase(path: path)) { try LibraryDatabase.open(path: path) }
            #expect(LibraryError.notADatabase(path: path).description.contains("Move it aside"))
            // Nothing was lost: the file is untouched.
            #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("This is not a database."))
        }
    }

    @Test("The library survives being closed and opened again")
    func persistence() async throws {
        try await TemporaryDirectory.with { directory in
            do {
                let library = try TestLibrary(directory)
                try library.writeSubtitles("The_Parlour.srt", Self.parlour)
                _ = try await library.indexer.index([directory.path], subtitlesOnly: true)
            }
            let reopened = try LibraryDatabase.open(path: directory.file("library.sqlite"))
            #expect(try await reopened.films().map(\.title) == ["The Parlour"])
            #expect(try await reopened.search("butler").count == 1)
        }
    }
}
