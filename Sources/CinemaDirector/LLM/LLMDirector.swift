import CinemaCore
public import CinemaLibrary
import Foundation
public import Logging

/// How much a language model may do for one turn.
public struct LLMConfiguration: Sendable, Equatable {
    /// The whole turn, all rounds included; past it the retrieval director answers.
    public var timeBudget: Duration = .seconds(4)
    /// Rounds of tool calls before the model must have picked a clip.
    public var maxToolRounds = 4
    /// Searches run per round; a model asking for more gets told so.
    public var maxSearchesPerRound = 3
    /// Clips returned per search unless the model asks for fewer.
    public var searchLimit = 8

    public init() {}
}

/// A director that asks a language model to choose: it writes search queries (answering rather
/// than illustrating), reads the clips found, and plays one. Everything a model can get wrong is
/// caught in code: it must pick exactly one clip it was shown, within the rounds and the time
/// budget; otherwise the retrieval director answers and the decision says why.
public struct LLMDirector: Director {
    public var name: String { model.provider }

    let model: any ChatModel
    let fallback: any Director
    let tools: ClipTools
    let systemPrompt: String
    let configuration: LLMConfiguration
    let logger: Logger

    public init(
        model: any ChatModel,
        fallback: any Director,
        library: LibraryDatabase,
        meaning: MeaningSearch? = nil,
        systemPrompt: String,
        configuration: LLMConfiguration = LLMConfiguration(),
        logger: Logger
    ) {
        self.model = model
        self.fallback = fallback
        self.tools = ClipTools(library: library, meaning: meaning)
        self.systemPrompt = systemPrompt
        self.configuration = configuration
        self.logger = logger
    }

    public func prepare() async throws(DirectorError) {
        try await fallback.prepare()
    }

    /// Greetings and farewells need no model: the retrieval director's pools answer at once.
    public func greet(_ conversation: Conversation) async throws(DirectorError) -> Decision {
        try await fallback.greet(conversation)
    }

    public func farewell(_ conversation: Conversation) async throws(DirectorError) -> Decision {
        try await fallback.farewell(conversation)
    }

    public func reply(to utterance: String, in conversation: Conversation) async throws(DirectorError) -> Decision {
        let text = Self.bounded(utterance)
        guard !SearchQuery(text).words.isEmpty else {
            return try await fallback.reply(to: utterance, in: conversation)
        }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            return try await withBudget(configuration.timeBudget) {
                try await converse(text, conversation: conversation)
            }
        } catch {
            let failure = error as? LLMFailure ?? .model(.unreachable(url: "", reason: "\(error)"))
            logger.warning("Language model did not choose; the retrieval director answers", metadata: ["director.failure": "\(failure)"])
            var decision = try await fallback.reply(to: utterance, in: conversation)
            decision.fallbackReason = "\(name) (\(model.model)): \(failure.description)"
            decision.reasoning =
                "The \(name) model could not choose (\(failure.description)), so the retrieval director answered. " + decision.reasoning
            decision.timings.modelMilliseconds = (clock.now - started) / .milliseconds(1) - decision.timings.totalMilliseconds
            decision.timings.totalMilliseconds = (clock.now - started) / .milliseconds(1)
            return decision
        }
    }

    // MARK: The conversation with the model

    private func converse(_ utterance: String, conversation: Conversation) async throws(LLMFailure) -> Decision {
        let clock = ContinuousClock()
        let started = clock.now
        var timings = Decision.Timings()
        var messages = [ChatMessage.system(systemPrompt)] + Self.history(conversation) + [.user(utterance)]
        var offered: [Int64: Clip] = [:]
        var queries: [String] = []

        for round in 1...max(1, configuration.maxToolRounds) {
            let asked = clock.now
            let response: ModelResponse
            do {
                response = try await model.respond(to: messages, tools: [ClipTools.search, ClipTools.play])
            } catch {
                throw .model(error)
            }
            timings.modelMilliseconds += (clock.now - asked) / .milliseconds(1)

            // Exactly one clip per turn: the first play call decides, whatever else came with it.
            if let play = response.toolCalls.first(where: { $0.name == ClipTools.play.name }) {
                guard let id = play.arguments["clip_id"]?.int64Value else {
                    throw .invalidPick("play_video_clip without a clip_id (\(ClipTools.json(play.arguments)))")
                }
                guard let clip = offered[id] else {
                    throw .invalidPick("clip \(id) was not among the \(offered.count) clips the searches returned")
                }
                timings.totalMilliseconds = (clock.now - started) / .milliseconds(1)
                let why = play.arguments["reasoning"]?.stringValue ?? response.text ?? "no reasoning given"
                return Decision(
                    clip: clip,
                    kind: .llm,
                    director: name,
                    reasoning: "The \(name) model (\(model.model)) searched for \(queries.map { "“\($0)”" }.joined(separator: ", ")) "
                        + "and chose “\(clip.text)” from \(clip.filmTitle): \(why)",
                    queries: queries,
                    candidates: offered.values.sorted { $0.id < $1.id }.prefix(20).map {
                        Decision.Candidate(clip: $0, score: $0.score ?? 0, kind: .pick)
                    },
                    timings: timings
                )
            }

            let calls = response.toolCalls
            messages.append(.assistant(text: response.text, toolCalls: calls))
            if calls.isEmpty {
                // Text but no tool call: remind it once per round of what it must do.
                messages.append(.user("(Answer only by calling search_video_clips, then play_video_clip with one clip_id.)"))
                continue
            }
            var searches = 0
            for call in calls {
                guard call.name == ClipTools.search.name else {
                    messages.append(.toolResult(callID: call.id, name: call.name, content: "Unknown tool \(call.name).", isError: true))
                    continue
                }
                searches += 1
                guard searches <= configuration.maxSearchesPerRound else {
                    messages.append(
                        .toolResult(
                            callID: call.id,
                            name: call.name,
                            content: "Not run: at most \(configuration.maxSearchesPerRound) searches per round.",
                            isError: true
                        )
                    )
                    continue
                }
                guard let description = call.arguments["description"]?.stringValue, !description.isEmpty else {
                    messages.append(.toolResult(callID: call.id, name: call.name, content: "Missing description.", isError: true))
                    continue
                }
                let limit = call.arguments["limit"]?.int64Value.map { Int($0) } ?? configuration.searchLimit
                guard let mode = ClipTools.Mode(rawValue: call.arguments["mode"]?.stringValue ?? ClipTools.Mode.words.rawValue) else {
                    messages.append(.toolResult(callID: call.id, name: call.name, content: "mode must be words or meaning.", isError: true))
                    continue
                }
                let searched = clock.now
                let found: [ClipTools.Found]
                do {
                    found = try await tools.search(description, mode: mode, limit: limit, excluding: conversation.playedClipIDs)
                } catch .meaning(let reason) {
                    // The model can read this and search by words instead.
                    messages.append(
                        .toolResult(callID: call.id, name: call.name, content: ClipTools.SearchError.meaning(reason).description, isError: true)
                    )
                    continue
                } catch {
                    throw .library(error.description)
                }
                timings.searchMilliseconds += (clock.now - searched) / .milliseconds(1)
                queries.append(mode == .meaning ? "meaning: \(description)" : description)
                // A match's reply is offered as much as the match: it is often the answer.
                for entry in found {
                    offered[entry.clip.id] = entry.clip
                    if let reply = entry.reply { offered[reply.id] = reply }
                }
                messages.append(.toolResult(callID: call.id, name: call.name, content: ClipTools.describe(found), isError: false))
            }
            logger.debug("Model searched", metadata: ["director.round": "\(round)", "director.offered": "\(offered.count)"])
        }
        throw .noPick(rounds: configuration.maxToolRounds)
    }

    /// The session so far as the model should see it: what the visitor said, and what was
    /// played, film and line.
    static func history(_ conversation: Conversation) -> [ChatMessage] {
        conversation.turns.flatMap { turn -> [ChatMessage] in
            let played = ChatMessage.assistant(
                text:
                    "[played clip \(turn.clip.id) from \(turn.clip.filmTitle): “\(turn.clip.text.split(separator: "\n").joined(separator: " / "))”]",
                toolCalls: []
            )
            return (turn.visitor.map { [ChatMessage.user($0)] } ?? []) + [played]
        }
    }

    /// A few hundred characters are plenty for a model to answer; ten thousand would only cost time.
    static func bounded(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count <= 600 ? trimmed : "…" + String(trimmed.suffix(600))
    }

    private func withBudget<T: Sendable>(_ budget: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: budget)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw LLMFailure.timedOut(budget)
            }
            return value
        }
    }
}

/// Why a language model did not choose a clip.
public enum LLMFailure: Error, CustomStringConvertible, Equatable {
    case model(ChatModelError)
    case timedOut(Duration)
    case invalidPick(String)
    case noPick(rounds: Int)
    case library(String)

    public var description: String {
        switch self {
        case .model(let error): error.description
        case .timedOut(let budget):
            "no choice within the \(String(format: "%.1f", Double(budget.components.seconds) + Double(budget.components.attoseconds) / 1e18)) s budget"
        case .invalidPick(let detail): "invalid pick: \(detail)"
        case .noPick(let rounds): "no clip chosen in \(rounds) rounds of tool calls"
        case .library(let message): "the library failed: \(message)"
        }
    }
}
