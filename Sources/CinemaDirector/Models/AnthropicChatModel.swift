import AsyncHTTPClient
import CinemaCore
import Foundation

/// Anthropic's Messages API with tool use.
public struct AnthropicChatModel: ChatModel {
    public let provider = "anthropic"
    public let model: String
    let baseURL: String
    let apiKey: String?
    let http: ModelHTTP
    let timeout: Duration
    let maxTokens: Int

    static let apiVersion = "2023-06-01"

    public init(
        baseURL: String = "https://api.anthropic.com",
        model: String,
        apiKey: String?,
        client: HTTPClient? = nil,
        timeout: Duration = .seconds(30),
        maxTokens: Int = 1024
    ) {
        self.baseURL = ServiceAddress.base(baseURL)
        self.model = model
        self.apiKey = apiKey
        self.http = ModelHTTP(client: client ?? ModelHTTP.sharedClient)
        self.timeout = timeout
        self.maxTokens = maxTokens
    }

    public func respond(to messages: [ChatMessage], tools: [ToolDefinition]) async throws(ChatModelError) -> ModelResponse {
        let request = Request(
            model: model,
            maxTokens: maxTokens,
            system: messages.compactMap { if case .system(let text) = $0 { text } else { nil } }.joined(separator: "\n\n"),
            messages: Self.wireMessages(messages),
            tools: tools.isEmpty ? nil : tools.map { Tool(name: $0.name, description: $0.description, inputSchema: $0.parameters) }
        )
        var headers = [("anthropic-version", Self.apiVersion)]
        if let apiKey { headers.append(("x-api-key", apiKey)) }
        let data = try await http.post(baseURL + "/v1/messages", headers: headers, body: request, timeout: timeout)
        let reply: Response
        do {
            reply = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .malformed("expected a message (content blocks): \(error)")
        }
        let text = reply.content.compactMap { $0.type == "text" ? $0.text : nil }.joined(separator: "\n")
        let calls = reply.content.compactMap { block -> ToolCall? in
            guard block.type == "tool_use", let id = block.id, let name = block.name else { return nil }
            return ToolCall(id: id, name: name, arguments: block.input ?? .object([:]))
        }
        return ModelResponse(text: text.isEmpty ? nil : text, toolCalls: calls, stopReason: reply.stopReason)
    }

    /// Messages alternate user and assistant, and begin with the user; tool results travel in a
    /// user message. Neighbouring messages of one role are merged into one.
    static func wireMessages(_ messages: [ChatMessage]) -> [Message] {
        var wire: [Message] = []
        func append(_ role: String, _ blocks: [Block]) {
            if let last = wire.last, last.role == role {
                wire[wire.count - 1].content += blocks
            } else {
                wire.append(Message(role: role, content: blocks))
            }
        }
        for message in messages {
            switch message {
            case .system:
                continue
            case .user(let text):
                append("user", [.text(text)])
            case .assistant(let text, let calls):
                var blocks: [Block] = []
                if let text, !text.isEmpty { blocks.append(.text(text)) }
                blocks += calls.map { Block(type: "tool_use", id: $0.id, name: $0.name, input: $0.arguments) }
                if !blocks.isEmpty { append("assistant", blocks) }
            case .toolResult(let callID, _, let content, let isError):
                append("user", [Block(type: "tool_result", toolUseID: callID, content: content, isError: isError ? true : nil)])
            }
        }
        if wire.first?.role == "assistant" { wire.insert(Message(role: "user", content: [.text("(A visitor steps up to the TV.)")]), at: 0) }
        return wire
    }

    // MARK: Wire format

    struct Request: Encodable {
        var model: String
        var maxTokens: Int
        var system: String
        var messages: [Message]
        var tools: [Tool]?

        enum CodingKeys: String, CodingKey {
            case model, system, messages, tools
            case maxTokens = "max_tokens"
        }
    }

    struct Tool: Encodable {
        var name: String
        var description: String
        var inputSchema: JSONValue

        enum CodingKeys: String, CodingKey {
            case name, description
            case inputSchema = "input_schema"
        }
    }

    struct Message: Encodable {
        var role: String
        var content: [Block]
    }

    struct Block: Codable {
        var type: String
        var text: String?
        var id: String?
        var name: String?
        var input: JSONValue?
        var toolUseID: String?
        var content: String?
        var isError: Bool?

        static func text(_ text: String) -> Block { Block(type: "text", text: text) }

        enum CodingKeys: String, CodingKey {
            case type, text, id, name, input, content
            case toolUseID = "tool_use_id"
            case isError = "is_error"
        }
    }

    struct Response: Decodable {
        var content: [Block]
        var stopReason: String?

        enum CodingKeys: String, CodingKey {
            case content
            case stopReason = "stop_reason"
        }
    }
}
