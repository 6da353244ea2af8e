import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaDirector

/// The director finding lines by meaning, through the real model service (all-MiniLM-L6-v2 over
/// `POST /v1/embeddings`), and answering by words alone when it cannot.
@Suite(
    "Director by meaning",
    .enabled(if: ModelServiceFixture.isInstalled, Comment(rawValue: ModelServiceFixture.missing))
)
struct MeaningDirectorTests {
    /// The test films with every line embedded by the real service, and a search by meaning.
    static func meaningful(_ directory: TemporaryDirectory) async throws -> (LibraryDatabase, MeaningSearch) {
        let (library, _) = try await DirectorTestLibrary.make(directory)
        let embedder = OpenAIEmbeddingModel(baseURL: try await ModelServiceFixture.baseURL(), timeout: .seconds(60))
        let report = try await library.embedLines(with: embedder)
        #expect(report.embedded == DirectorTestLibrary.parlour.count + DirectorTestLibrary.kitchen.count)
        let index = try #require(try await SemanticIndex.load(from: library, model: embedder.model))
        return (library, MeaningSearch(embedder: embedder, index: index, library: library))
    }

    @Test("A line that shares no words with a film line but means the same gets that line's reply, and the decision says meaning found it")
    func findsByMeaning() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, meaning) = try await Self.meaningful(directory)
            let visitor = "Are spirits of the dead real?"
            let byWords = RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded())
            #expect(try await byWords.reply(to: visitor, in: Conversation()).clip.text != "Only on Tuesdays.")

            let director = RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded(), meaning: meaning)
            let decision = try await director.reply(to: visitor, in: Conversation())
            #expect(decision.clip.text == "Only on Tuesdays.")
            let chosen = try #require(decision.chosen)
            #expect(chosen.kind == .reply)
            #expect(chosen.match?.text == "Do you believe in ghosts?")
            #expect((chosen.match?.semantic ?? 0) > 0.5)
            #expect(chosen.match?.foundBy.contains("meaning") == true)
            #expect(decision.reasoning.contains("found by meaning"))
        }
    }

    @Test("A remark told by its meaning gets a fitting reaction: grief shares no word with 'sad'")
    func reactionByMeaning() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, meaning) = try await Self.meaningful(directory)
            let director = RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded(), meaning: meaning)
            try await director.prepare()
            let decision = try await director.reply(to: "My grandmother passed away this morning.", in: Conversation())
            let reaction = try #require(decision.candidates.first { $0.kind == .reaction })
            #expect(reaction.clip.text == "Don't worry.")
            #expect(reaction.notes.contains { $0.contains("distress") && $0.contains("told by meaning") })
        }
    }

    @Test("With the embeddings server gone the director answers by words, says why, and does not wait on it every turn")
    func degrades() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, _) = try await Self.meaningful(directory)
            let index = try #require(try await SemanticIndex.load(from: library, model: "all-MiniLM-L6-v2"))
            // The discard port, where nothing listens here: the connection is refused at once.
            let gone = OpenAIEmbeddingModel(baseURL: "http://127.0.0.1:9", timeout: .seconds(2))
            let director = RetrievalDirector(
                library: library,
                configuration: DirectorTestLibrary.seeded(),
                meaning: MeaningSearch(embedder: gone, index: index, library: library)
            )
            let first = try await director.reply(to: "Do you believe in ghosts?", in: Conversation())
            #expect(first.clip.text == "Only on Tuesdays.")
            #expect(first.reasoning.contains("Meaning was not searched"))
            #expect(first.chosen?.match?.foundBy == "words")
            let second = try await director.reply(to: "Who are you?", in: Conversation())
            #expect(second.kind == .reply)
            #expect(second.reasoning.contains("not asked again"))
        }
    }

    @Test("search_video_clips returns each line with the line that follows it, by words or by meaning")
    func toolsReturnReplies() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, meaning) = try await Self.meaningful(directory)
            let tools = ClipTools(library: library, meaning: meaning)
            let byMeaning = try await tools.search("Are spirits of the dead real?", mode: .meaning, limit: 3)
            #expect(byMeaning.first?.clip.text == "Do you believe in ghosts?")
            #expect(byMeaning.first?.reply?.text == "Only on Tuesdays.")
            let described = ClipTools.describe(byMeaning)
            #expect(described.contains("\"reply\":{") && described.contains("Only on Tuesdays."))

            let byWords = try await ClipTools(library: library).search("believe in ghosts", limit: 3)
            #expect(byWords.first?.reply?.text == "Only on Tuesdays.")
            await #expect(throws: ClipTools.SearchError.self) {
                try await ClipTools(library: library).search("ghosts", mode: .meaning, limit: 3)
            }
        }
    }
}
