import AsyncHTTPClient
import CinemaCore
import Foundation

/// Chat completions with tool calling, as OpenAI's API defines them: also served by Ollama,
/// llama.cpp's server, vLLM and others at their own base URL (`…/v1`).
public struct OpenAIChatModel: ChatModel {
    public let provider = "openai"
    public let model: String
    let baseURL: String
    let apiKey: String?
    let http: ModelHTTP
    let timeout: Duration

    public init(baseURL: String, model: String, apiKey: String?, client: HTTPClient? = nil, timeout: Duration = .seconds(30)) {
        self.baseURL = ServiceAddress.base(baseURL)
        self.model = model
        self.apiKey = apiKey
        self.http = ModelHTTP(client: client ?? ModelHTTP.sharedClient)
        self.timeout = timeout
    }

    public func respond(to messages: [ChatMessage], tools: [ToolDefinition]) async throws(ChatModelError) -> ModelResponse {
        let request = Request(
            model: model,
            messages: messages.map(Message.init),
            tools: tools.isEmpty ? nil : tools.map { Tool(function: .init(name: $0.name, description: $0.description, parameters: $0.parameters)) },
            toolChoice: tools.isEmpty ? nil : "auto"
        )
        let headers = apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
        let data = try await http.post(baseURL + "/chat/completions", headers: headers, body: request, timeout: timeout)
        let reply: Response
        do {
            reply = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .malformed("expected a chat completion (choices[0].message): \(error)")
        }
        guard let choice = reply.choices.first else { throw .malformed("the completion has no choices") }
        var calls: [ToolCall] = []
        for call in choice.message.toolCalls ?? [] {
            // Arguments arrive as a JSON string; a model may also send garbage there.
            let arguments = (try? JSONDecoder().decode(JSONValue.self, from: Data(call.function.arguments.utf8))) ?? .object([:])
            calls.append(ToolCall(id: call.id, name: call.function.name, arguments: arguments))
        }
        return ModelResponse(text: choice.message.content, toolCalls: calls, stopReason: choice.finishReason)
    }

    // MARK: Wire format

    struct Request: Encodable {
        var model: String
        var messages: [Message]
        var tools: [Tool]?
        var toolChoice: String?

        enum CodingKeys: String, CodingKey {
            case model, messages, tools
            case toolChoice = "tool_choice"
        }
    }

    struct Tool: Encodable {
        var type = "function"
        var function: Function

        struct Function: Encodable {
            var name: String
            var description: String
            var parameters: JSONValue
        }
    }

    struct Message: Codable {
        var role: String
        var content: String?
        var toolCalls: [WireToolCall]?
        var toolCallID: String?

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }

        init(_ message: ChatMessage) {
            switch message {
            case .system(let text):
                role = "system"
                content = text
            case .user(let text):
                role = "user"
                content = text
            case .assistant(let text, let calls):
                role = "assistant"
                content = text
                if !calls.isEmpty {
                    toolCalls = calls.map { call in
                        let arguments = (try? JSONEncoder().encode(call.arguments)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                        return WireToolCall(id: call.id, function: .init(name: call.name, arguments: arguments))
                    }
                }
            case .toolResult(let callID, _, let text, _):
                role = "tool"
                content = text
                toolCallID = callID
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            // An assistant turn that only calls tools carries `"content": null`.
            try container.encode(content, forKey: .content)
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
            try container.encodeIfPresent(toolCallID, forKey: .toolCallID)
        }
    }

    struct WireToolCall: Codable {
        var id: String
        var type: String? = "function"
        var function: Function

        struct Function: Codable {
            var name: String
            var arguments: String
        }
    }

    struct Response: Decodable {
        var choices: [Choice]

        struct Choice: Decodable {
            var message: Message
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }
    }
}
