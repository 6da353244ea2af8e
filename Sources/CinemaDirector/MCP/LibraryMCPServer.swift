import CinemaCore
public import CinemaLibrary
import Foundation
public import Logging
public import MCP

/// The film library as MCP tools: `search_video_clips`, `get_clip`, `list_films` and
/// `reply_to` (the retrieval director's pick), with the same definitions the LLM directors use.
///
/// One `Server` serves one MCP session; over stdio that is the whole life of the process.
public struct LibraryMCPServer: Sendable {
    let library: LibraryDatabase
    let tools: ClipTools
    let director: RetrievalDirector
    let logger: Logger

    public init(library: LibraryDatabase, director: RetrievalDirector, meaning: MeaningSearch? = nil, logger: Logger) {
        self.library = library
        self.tools = ClipTools(library: library, meaning: meaning)
        self.director = director
        self.logger = logger
    }

    static let definitions = [ClipTools.search, ClipTools.getClip, ClipTools.listFilms, ClipTools.replyTo]

    /// Serves until the client closes the transport.
    public func run(transport: any Transport, version: String) async throws {
        let server = Server(name: "cinema-chat", version: version, capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(
                tools: Self.definitions.map { Tool(name: $0.name, description: $0.description, inputSchema: Self.mcpValue($0.parameters)) }
            )
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            await call(parameters.name, arguments: parameters.arguments ?? [:])
        }
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
    }

    /// Runs one tool. Bad arguments are tool errors (`isError`), which a model can read and fix,
    /// not protocol errors.
    func call(_ name: String, arguments: [String: Value]) async -> CallTool.Result {
        do {
            switch name {
            case ClipTools.search.name:
                guard let description = arguments["description"]?.stringValue, !description.isEmpty else {
                    return Self.error("search_video_clips needs a `description`: the words the line should contain.")
                }
                let limit = arguments["limit"].flatMap(Self.integer) ?? 8
                guard (1...20).contains(limit) else { return Self.error("`limit` must be between 1 and 20, not \(limit).") }
                let modeName = arguments["mode"]?.stringValue ?? ClipTools.Mode.words.rawValue
                guard let mode = ClipTools.Mode(rawValue: modeName) else {
                    return Self.error("`mode` must be words or meaning, not \(modeName).")
                }
                return Self.text(ClipTools.describe(try await tools.search(description, mode: mode, limit: limit)))
            case ClipTools.getClip.name:
                guard let id = arguments["clip_id"].flatMap(Self.integer) else {
                    return Self.error("get_clip needs an integer `clip_id`, as returned by search_video_clips.")
                }
                guard let clip = try await library.clip(id: Int64(id)) else { return Self.error("There is no clip \(id) in the library.") }
                return Self.text(ClipTools.json(ClipTools.describe(clip)))
            case ClipTools.listFilms.name:
                let films = try await library.films().map { film -> JSONValue in
                    .object([
                        "film_id": .number(Double(film.id)), "title": .string(film.title), "lines": .number(Double(film.cueCount)),
                        "duration": film.duration.map { .number(($0 * 10).rounded() / 10) } ?? .null,
                    ])
                }
                return Self.text(ClipTools.json(.object(["films": .array(films), "count": .number(Double(films.count))])))
            case ClipTools.replyTo.name:
                guard let text = arguments["text"]?.stringValue else {
                    return Self.error("reply_to needs `text`: what the visitor said.")
                }
                let decision = try await director.reply(to: text, in: Conversation())
                var answer = ClipTools.describe(decision.clip)
                if case .object(var fields) = answer {
                    fields["kind"] = .string(decision.kind.rawValue)
                    fields["reasoning"] = .string(decision.reasoning)
                    answer = .object(fields)
                }
                return Self.text(ClipTools.json(answer))
            default:
                return Self.error("Unknown tool \(name). The tools are \(Self.definitions.map(\.name).joined(separator: ", ")).")
            }
        } catch {
            logger.warning("MCP tool failed", metadata: ["mcp.tool": "\(name)", "error": "\(error)"])
            return Self.error("\(name) failed: \(error)")
        }
    }

    private static func text(_ text: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: false)
    }

    private static func error(_ message: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
    }

    /// Clients send ids as integers, floats or strings; all three are accepted.
    private static func integer(_ value: Value) -> Int? {
        if let int = value.intValue { return int }
        if let double = value.doubleValue, double == double.rounded() { return Int(double) }
        return value.stringValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func mcpValue(_ value: JSONValue) -> Value {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? .int(Int(number)) : .double(number)
        case .string(let string): .string(string)
        case .array(let array): .array(array.map(mcpValue))
        case .object(let object): .object(object.mapValues(mcpValue))
        }
    }
}
