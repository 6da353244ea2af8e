import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaDirector

@Suite("Retrieval director")
struct RetrievalDirectorTests {
    @Test("Answers with the line that follows the matched line, and says why")
    func answersWithTheReply() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, director) = try await DirectorTestLibrary.make(directory)
            let decision = try await director.reply(to: "Do you believe in ghosts?", in: Conversation())
            #expect(decision.clip.text == "Only on Tuesdays.")
            #expect(decision.kind == .reply)
            #expect(decision.reasoning.contains("“Do you believe in ghosts?”"))
            #expect(decision.reasoning.contains("Only on Tuesdays."))
            #expect(decision.queries.first == "Do you believe in ghosts?")
            #expect(
                decision.candidates.contains { $0.clip.id == decision.clip.id && $0.kind == .reply && $0.match?.text == "Do you believe in ghosts?" }
            )
            #expect(decision.timings.totalMilliseconds > 0)
        }
    }

    @Test("Never plays the same clip twice in a session; when answers run out it says 'what?'")
    func noRepeats() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, director) = try await DirectorTestLibrary.make(directory)
            var conversation = Conversation()
            var played: [Int64] = []
            for _ in 0..<6 {
                let decision = try await director.reply(to: "Who are you?", in: conversation)
                conversation.record(decision, visitor: "Who are you?")
                played.append(decision.clip.id)
            }
            #expect(Set(played).count == played.count)
            let texts = conversation.turns.map(\.clip.text)
            #expect(Set(texts.prefix(3)) == ["I'm the new butler, sir.", "Nobody you know.", "The cook, of course."])
            #expect(conversation.turns.dropFirst(3).allSatisfy { $0.kind == .fallback })
        }
    }

    @Test("Skips replies that echo the visitor, continue a sentence, run too long, or name strangers")
    func rules() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, director) = try await DirectorTestLibrary.make(directory)
            // The film's answer to "Where are you going?" is the same question: an echo.
            let echo = try await director.reply(to: "Where are you going?", in: Conversation())
            #expect(echo.clip.text != "Where are you going?")
            #expect(echo.kind == .fallback)
            #expect(echo.reasoning.contains("too weak"))
            #expect(echo.candidates.contains { $0.notes.contains("echoes the visitor's words") })
            // "for there is nothing else…" only continues the matched sentence.
            let art = try await director.reply(to: "I will talk to you of art", in: Conversation())
            #expect(
                art.candidates.first { $0.clip.text.hasPrefix("for there") }?.notes.contains("the next line only continues the same sentence")
                    != false
            )
            // A 13-second speech is out of bounds.
            let truth = try await director.reply(to: "Tell me the truth.", in: Conversation())
            #expect(!truth.clip.text.hasPrefix("It is a long story"))
            #expect(truth.candidates.contains { $0.clip.text.hasPrefix("It is a long story") && $0.notes.first?.hasPrefix("too long") == true })
            // "Starving." beats "Yes, Sweeney, very hungry.": the visitor knows no Sweeney.
            let hungry = try await director.reply(to: "Are you hungry?", in: Conversation())
            #expect(hungry.clip.text == "Starving.")
            let sweeney = try #require(hungry.candidates.first { $0.clip.text.contains("Sweeney") })
            #expect(sweeney.notes.contains { $0.contains("Sweeney") })
        }
    }

    @Test("A short reaction to the visitor's own word is an answer: 'I'm tired.' → 'Tired?'")
    func retorts() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, director) = try await DirectorTestLibrary.make(directory)
            let decision = try await director.reply(to: "I'm so tired today.", in: Conversation())
            #expect(decision.clip.text == "Tired?")
            #expect(decision.reasoning.contains("reacts to the visitor's own word"))
        }
    }

    @Test("Greetings, farewells and 'what?' come from pools the library is searched for, and are configurable")
    func pools() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = DirectorTestLibrary.seeded()
            configuration.farewellQueries = ["Good night."]
            let (_, director) = try await DirectorTestLibrary.make(directory, configuration: configuration)
            let greeting = try await director.greet(Conversation())
            #expect(greeting.kind == .greeting)
            #expect(["Hello.", "Good evening."].contains(greeting.clip.text))
            let farewell = try await director.farewell(Conversation())
            #expect(farewell.kind == .farewell)
            #expect(farewell.clip.text == "Good night.")
            // A line one query passes over ("What did you say?" for "What?") still serves its own query.
            let heardNothing = try await director.reply(to: " ", in: Conversation())
            #expect(heardNothing.reasoning.contains("one of 3 fallback lines found"), "\(heardNothing.reasoning)")
            let nonsense = try await director.reply(to: "Xyzzy plugh frobozz.", in: Conversation())
            #expect(nonsense.kind == .fallback)
            #expect(["What?", "What did you say?", "I don't understand."].contains(nonsense.clip.text))
            #expect(nonsense.reasoning.contains("No line in the library resembles it"))
            // The visitor's hello is greeted back.
            let hello = try await director.reply(to: "Hello!", in: Conversation())
            #expect(["Hello.", "Good evening."].contains(hello.clip.text))
        }
    }

    @Test("Thanks, distress, rebukes and a bare 'yes' get fitting reactions searched from the library")
    func reactions() async throws {
        try await TemporaryDirectory.with { directory in
            let (_, director) = try await DirectorTestLibrary.make(directory)
            try await director.prepare()
            let cases = [
                ("Thank you!", "You're welcome."), ("I'm so worried.", "Don't worry."), ("You're a fool.", "How dare you!"),
                ("Yes.", "Are you sure?"),
            ]
            for (said, expected) in cases {
                let decision = try await director.reply(to: said, in: Conversation())
                #expect(decision.clip.text == expected, "\(said)")
                #expect(decision.reasoning.contains("a fitting reaction"), "\(said)")
            }
        }
    }

    @Test("Bad input: empty, whitespace, 10,000 characters, other languages — always a sensible clip, quickly")
    func badInput() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, director) = try await DirectorTestLibrary.make(directory)
            for text in ["", "   \n\t ", "?!?!", "¿Dónde está la biblioteca?", "東京はどこですか", "🙂🙂🙂"] {
                let decision = try await director.reply(to: text, in: Conversation())
                #expect(decision.kind == .fallback, "\(text)")
            }
            let huge = String(repeating: "blah ", count: 2_000) + "Do you believe in ghosts?"
            #expect(huge.count >= 10_000)
            let clock = ContinuousClock()
            let started = clock.now
            let decision = try await director.reply(to: huge, in: Conversation())
            // What keeps it quick is the bound, not the clock: the director reads only the last 40
            // words, so the answer and its reasoning are those of the line's last 40 words.
            let lastWords = String(repeating: "blah ", count: 35) + "Do you believe in ghosts?"
            // A director of its own: the first has just played the answer and would not repeat it.
            let tail = try await RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded())
                .reply(to: lastWords, in: Conversation())
            #expect(decision.clip.text == "Only on Tuesdays.")
            #expect(decision.reasoning == tail.reasoning)
            // 0.05 s alone, 7.9 s once in CI with every suite holding both cores; the clock only
            // catches a runaway, which would read all 2,000 words and take minutes.
            #expect(clock.now - started < .seconds(30))
        }
    }

    @Test("An empty library is an error that says how to fill it")
    func emptyLibrary() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try LibraryDatabase.open(path: directory.file("library.sqlite"))
            let director = RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded())
            await #expect(throws: DirectorError.emptyLibrary(path: library.path)) {
                try await director.reply(to: "Hello there, TV", in: Conversation())
            }
            await #expect(throws: DirectorError.emptyLibrary(path: library.path)) { try await director.greet(Conversation()) }
            #expect(DirectorError.emptyLibrary(path: "x").description.contains("cinema demo"))
        }
    }

    @Test("The same seed replays a conversation; the draw is among the best few")
    func seeds() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, _) = try await DirectorTestLibrary.make(directory)
            func conversation(seed: UInt64) async throws -> [String] {
                let director = RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded(seed, choices: 3))
                var conversation = Conversation()
                var lines: [String] = []
                for text in ["Who are you?", "Who are you?", "Are you hungry?"] {
                    let decision = try await director.reply(to: text, in: conversation)
                    conversation.record(decision, visitor: text)
                    lines.append(decision.clip.text)
                }
                return lines
            }
            #expect(try await conversation(seed: 42) == conversation(seed: 42))
            var first = Set<String>()
            for seed in 1...12 { first.insert(try await conversation(seed: UInt64(seed))[0]) }
            #expect(first.count >= 2, "different seeds should sometimes answer differently")
            #expect(first.isSubset(of: ["I'm the new butler, sir.", "Nobody you know.", "The cook, of course."]))
        }
    }

    @Test("A clip played in one session is avoided in the next until the cooldown passes")
    func cooldownAcrossSessions() async throws {
        try await TemporaryDirectory.with { directory in
            let clock = ManualClock()
            let cooldown = ClipCooldown(duration: .seconds(60), clock: clock)
            let (_, director) = try await DirectorTestLibrary.make(directory, cooldown: cooldown)
            let first = try await director.reply(to: "Who are you?", in: Conversation())
            let second = try await director.reply(to: "Who are you?", in: Conversation())
            #expect(first.clip.id != second.clip.id)
            #expect(second.candidates.contains { $0.notes.contains("played recently in another session") })
            clock.advance(by: .seconds(61))
            let later = try await director.reply(to: "Who are you?", in: Conversation())
            #expect(later.clip.id == first.clip.id)
        }
    }
}

extension TemporaryDirectory {
    /// A fresh folder inside this one, for a test that needs several libraries.
    static func nested(in parent: TemporaryDirectory) throws -> TemporaryDirectory {
        try TemporaryDirectory(path: try parent.makeDirectory(UUID().uuidString))
    }
}
