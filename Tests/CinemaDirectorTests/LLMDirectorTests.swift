import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging
import Testing

@testable import CinemaDirector

/// The LLM directors against a local server speaking OpenAI's and Anthropic's wire formats,
/// including their tool calls and their errors. No real key is needed.
@Suite("LLM director")
struct LLMDirectorTests {
    struct Setup {
        let library: LibraryDatabase
        let retrieval: RetrievalDirector
        let directory: TemporaryDirectory

        /// A roomy budget by default: these cases are about the wire formats, and a CI holding both
        /// cores with speech tests has taken more than 4 s over two local round trips.
        func director(openAI baseURL: String, budget: Duration = .seconds(30), rounds: Int = 4) -> LLMDirector {
            var configuration = LLMConfiguration()
            configuration.timeBudget = budget
            configuration.maxToolRounds = rounds
            return LLMDirector(
                model: OpenAIChatModel(baseURL: baseURL + "/v1", model: "test-model", apiKey: "sk-test"),
                // A fresh retrieval director: its cooldown must not carry over from another case.
                fallback: RetrievalDirector(library: library, configuration: DirectorTestLibrary.seeded()),
                library: library,
                systemPrompt: DirectorPrompt.default,
                configuration: configuration,
                logger: Logger(label: "test")
            )
        }

        func director(anthropic baseURL: String) -> LLMDirector {
            var configuration = LLMConfiguration()
            configuration.timeBudget = .seconds(30)
            return LLMDirector(
                model: AnthropicChatModel(baseURL: baseURL, model: "claude-test", apiKey: "ak-test"),
                fallback: retrieval,
                library: library,
                systemPrompt: DirectorPrompt.default,
                configuration: configuration,
                logger: Logger(label: "test")
            )
        }

        /// The id the library gives a line, as a model would read it in a search result.
        func clipID(_ text: String) async throws -> Int64 {
            try #require(try await library.search(text).first { $0.text == text }?.id)
        }
    }

    static func setup<T: Sendable>(_ body: @Sendable (Setup) async throws -> T) async throws -> T {
        try await TemporaryDirectory.with { directory in
            let (library, retrieval) = try await DirectorTestLibrary.make(directory)
            return try await body(Setup(library: library, retrieval: retrieval, directory: directory))
        }
    }

    @Test("OpenAI: searches, then plays one of the clips it was shown; the conversation reaches the model")
    func openAIHappyPath() async throws {
        try await Self.setup { setup in
            let starving = try await setup.clipID("Starving.")
            try await FakeModelServer.with([
                FakeModelServer.openAIToolCalls([("call_1", "search_video_clips", #"{"description": "starving", "limit": 5}"#)]),
                FakeModelServer.openAIToolCalls([
                    ("call_2", "play_video_clip", #"{"clip_id": \#(starving), "reasoning": "a hungry TV answers in kind"}"#)
                ]),
            ]) { url, server in
                var conversation = Conversation()
                conversation.record(
                    try await setup.retrieval.reply(to: "Do you believe in ghosts?", in: conversation),
                    visitor: "Do you believe in ghosts?"
                )
                let decision = try await setup.director(openAI: url).reply(to: "I could eat a horse.", in: conversation)
                #expect(decision.kind == .llm)
                #expect(decision.director == "openai")
                #expect(decision.clip.text == "Starving.")
                #expect(decision.queries == ["starving"])
                #expect(decision.reasoning.contains("a hungry TV answers in kind"))
                #expect(decision.fallbackReason == nil)

                let requests = await server.received
                #expect(requests.count == 2)
                #expect(requests[0].path == "/v1/chat/completions")
                #expect(requests[0].headers["authorization"] == "Bearer sk-test")
                let first = requests[0].json
                #expect(first["model"] as? String == "test-model")
                let tools = (first["tools"] as? [[String: Any]])?.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
                #expect(tools == ["search_video_clips", "play_video_clip"])
                let messages = try #require(first["messages"] as? [[String: Any]])
                #expect(messages.first?["role"] as? String == "system")
                // Each played clip's film and line are in the history.
                #expect(
                    messages.contains {
                        ($0["content"] as? String)?.contains("The Parlour (1931)") == true
                            && ($0["content"] as? String)?.contains("Only on Tuesdays.") == true
                    }
                )
                #expect(messages.last?["content"] as? String == "I could eat a horse.")
                // The second request answers the tool call, by id, with the clips found.
                let second = try #require(requests[1].json["messages"] as? [[String: Any]])
                let result = try #require(second.last)
                #expect(result["role"] as? String == "tool")
                #expect(result["tool_call_id"] as? String == "call_1")
                #expect((result["content"] as? String)?.contains("\"clip_id\":\(starving)") == true)
            }
        }
    }

    @Test("Anthropic: the Messages API with tool_use and tool_result blocks")
    func anthropicHappyPath() async throws {
        try await Self.setup { setup in
            let cook = try await setup.clipID("The cook, of course.")
            try await FakeModelServer.with([
                FakeModelServer.anthropicToolUse([("toolu_1", "search_video_clips", #"{"description": "the cook"}"#)], text: "Let me look."),
                FakeModelServer.anthropicToolUse([("toolu_2", "play_video_clip", #"{"clip_id": "\#(cook)", "reasoning": "it introduces itself"}"#)]),
            ]) { url, server in
                var conversation = Conversation()
                conversation.record(try await setup.retrieval.greet(conversation), visitor: nil)
                let decision = try await setup.director(anthropic: url).reply(to: "Who are you, really?", in: conversation)
                #expect(decision.kind == .llm)
                #expect(decision.director == "anthropic")
                #expect(decision.clip.text == "The cook, of course.")

                let requests = await server.received
                #expect(requests.map(\.path) == ["/v1/messages", "/v1/messages"])
                #expect(requests[0].headers["x-api-key"] == "ak-test")
                #expect(requests[0].headers["anthropic-version"] == "2023-06-01")
                let first = requests[0].json
                #expect((first["system"] as? String)?.contains("old television") == true)
                #expect((first["tools"] as? [[String: Any]])?.first?["input_schema"] != nil)
                let messages = try #require(first["messages"] as? [[String: Any]])
                // Messages begin with the user and alternate; the greeting clip is an assistant turn.
                #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"])
                let second = try #require(requests[1].json["messages"] as? [[String: Any]])
                let blocks = try #require(second.last?["content"] as? [[String: Any]])
                #expect(second.last?["role"] as? String == "user")
                #expect(blocks.first?["type"] as? String == "tool_result")
                #expect(blocks.first?["tool_use_id"] as? String == "toolu_1")
            }
        }
    }

    @Test("Whatever the model gets wrong, the retrieval director answers and the decision says why")
    func failures() async throws {
        try await Self.setup { setup in
            let cases: [(String, [FakeModelServer.Answer], String)] = [
                (
                    "an invented clip id",
                    [
                        FakeModelServer.openAIToolCalls([("c1", "search_video_clips", #"{"description": "ghosts"}"#)]),
                        FakeModelServer.openAIToolCalls([("c2", "play_video_clip", #"{"clip_id": 987654, "reasoning": "made up"}"#)]),
                    ], "invalid pick: clip 987654 was not among"
                ),
                ("malformed JSON", [.body(status: 200, "{ this is not json")], "not valid"),
                (
                    "a server error", [FakeModelServer.openAIError(status: 500, message: "The server had an error", type: "server_error")],
                    "answered 500: server_error: The server had an error"
                ),
                ("rate limiting", [FakeModelServer.openAIError(status: 429, message: "Rate limit reached", type: "requests")], "answered 429"),
                (
                    "a play call without an id", [FakeModelServer.openAIToolCalls([("c1", "play_video_clip", #"{"reasoning": "oops"}"#)])],
                    "without a clip_id"
                ),
                (
                    "endless searching",
                    Array(repeating: FakeModelServer.openAIToolCalls([("c", "search_video_clips", #"{"description": "ghosts"}"#)]), count: 6),
                    "no clip chosen in 4 rounds"
                ),
            ]
            for (name, script, reason) in cases {
                try await FakeModelServer.with(script) { url, _ in
                    let decision = try await setup.director(openAI: url).reply(to: "Do you believe in ghosts?", in: Conversation())
                    #expect(decision.director == "retrieval", "\(name)")
                    #expect(decision.clip.text == "Only on Tuesdays.", "\(name)")
                    #expect(decision.fallbackReason?.contains(reason) == true, "\(name): \(decision.fallbackReason ?? "nil")")
                    #expect(decision.reasoning.hasPrefix("The openai model could not choose"), "\(name)")
                }
            }
        }
    }

    @Test("An Anthropic overload error falls back with the API's own words")
    func anthropicOverloaded() async throws {
        try await Self.setup { setup in
            try await FakeModelServer.with([FakeModelServer.anthropicError(status: 529, type: "overloaded_error", message: "Overloaded")]) { url, _ in
                let decision = try await setup.director(anthropic: url).reply(to: "Do you believe in ghosts?", in: Conversation())
                #expect(decision.fallbackReason?.contains("529: overloaded_error: Overloaded") == true)
            }
        }
    }

    @Test("A slow model is abandoned at the time budget; a dead one at once")
    func slowAndDown() async throws {
        try await Self.setup { setup in
            let clock = ContinuousClock()
            try await FakeModelServer.with([.slow(.seconds(10), then: "{}")]) { url, _ in
                let started = clock.now
                let decision = try await setup.director(openAI: url, budget: .milliseconds(500)).reply(
                    to: "Do you believe in ghosts?",
                    in: Conversation()
                )
                // The reason is the proof that the budget cut the model off (its late "{}" would
                // read "invalid pick"); the clock only catches a wait of the model's full 10 s and
                // more. Alone 0.5 s; with the suite's speech tests holding both cores, 4.5 s.
                #expect(clock.now - started < .seconds(30))
                #expect(decision.fallbackReason?.contains("no choice within the 0.5 s budget") == true)
                #expect(decision.clip.text == "Only on Tuesdays.")
            }
            // Nothing listens on port 9 (discard) on loopback.
            let started = clock.now
            let decision = try await setup.director(openAI: "http://127.0.0.1:9").reply(to: "Do you believe in ghosts?", in: Conversation())
            // "could not reach", not "no choice within the 30 s budget": the refused connection is
            // not waited out. The clock only catches a runaway (a busy run has taken 2.4 s, all
            // of it fallback work).
            #expect(clock.now - started < .seconds(30))
            #expect(decision.fallbackReason?.contains("could not reach the model") == true, "\(decision.fallbackReason ?? "nil")")
        }
    }

    @Test("Twenty tool calls at once: three searches run, every call is answered, and a pick still counts")
    func greedyModel() async throws {
        try await Self.setup { setup in
            let tuesdays = try await setup.clipID("Only on Tuesdays.")
            let calls = (1...20).map { ("call_\($0)", "search_video_clips", #"{"description": "tuesdays \#($0)"}"#) }
            try await FakeModelServer.with([
                FakeModelServer.openAIToolCalls(calls),
                FakeModelServer.openAIText("Hmm, let me think."),
                FakeModelServer.openAIToolCalls([
                    ("p1", "play_video_clip", #"{"clip_id": \#(tuesdays), "reasoning": "first pick"}"#),
                    ("p2", "play_video_clip", #"{"clip_id": 1, "reasoning": "second pick, ignored"}"#),
                ]),
            ]) { url, server in
                let decision = try await setup.director(openAI: url).reply(to: "Ghosts?", in: Conversation())
                #expect(decision.kind == .llm)
                #expect(decision.clip.id == tuesdays)
                #expect(decision.queries.count == 3)
                let requests = await server.received
                let second = try #require(requests[1].json["messages"] as? [[String: Any]])
                let results = second.filter { $0["role"] as? String == "tool" }
                #expect(results.count == 20)
                #expect(results.filter { ($0["content"] as? String)?.hasPrefix("Not run") == true }.count == 17)
                // Text without a tool call gets a reminder of what to do.
                let third = try #require(requests[2].json["messages"] as? [[String: Any]])
                #expect((third.last?["content"] as? String)?.contains("play_video_clip") == true)
            }
        }
    }

    @Test("Empty words never reach the model; greetings and farewells come from the retrieval pools")
    func shortcuts() async throws {
        try await Self.setup { setup in
            try await FakeModelServer.with([]) { url, server in
                let director = setup.director(openAI: url)
                let empty = try await director.reply(to: "   ", in: Conversation())
                #expect(empty.kind == .fallback)
                #expect(try await director.greet(Conversation()).kind == .greeting)
                #expect(try await director.farewell(Conversation()).kind == .farewell)
                #expect(await server.received.isEmpty)
            }
        }
    }

    @Test("The system prompt is a file the operator can edit; the default is written on first use")
    func prompt() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.file("director-prompt.md")
            #expect(try DirectorPrompt.load(from: path) == DirectorPrompt.default.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(FileManager.default.fileExists(atPath: path))
            try directory.write("director-prompt.md", "You are a grumpy TV.\n")
            #expect(try DirectorPrompt.load(from: path) == "You are a grumpy TV.")
            try directory.write("director-prompt.md", "  \n")
            #expect(throws: DirectorSetupError.prompt(path: path, reason: "it is empty")) { try DirectorPrompt.load(from: path) }
        }
    }
}
