public import CinemaCore

/// A language model that can call tools, whichever provider serves it.
public protocol ChatModel: Sendable {
    /// `openai` or `anthropic`.
    var provider: String { get }
    var model: String { get }

    /// One round: the model reads the messages and answers with text, tool calls, or both.
    func respond(to messages: [ChatMessage], tools: [ToolDefinition]) async throws(ChatModelError) -> ModelResponse
}

/// A message in a conversation with a model, in no provider's format.
public enum ChatMessage: Sendable, Equatable {
    case system(String)
    case user(String)
    case assistant(text: String?, toolCalls: [ToolCall])
    case toolResult(callID: String, name: String, content: String, isError: Bool)
}

public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    public var arguments: JSONValue

    public init(id: String, name: String, arguments: JSONValue) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object for the arguments.
    public var parameters: JSONValue
}

public struct ModelResponse: Sendable, Equatable {
    public var text: String?
    public var toolCalls: [ToolCall]
    /// The provider's own word for why it stopped (`tool_calls`, `end_turn`, …).
    public var stopReason: String?
}

public enum ChatModelError: Error, CustomStringConvertible, Equatable {
    /// No connection: the server is down, or the address is wrong.
    case unreachable(url: String, reason: String)
    /// The server answered with an error status; `message` is its own explanation.
    case http(status: Int, message: String)
    /// The answer was not the JSON the provider's API promises.
    case malformed(String)
    case cancelled

    public var description: String {
        switch self {
        case .unreachable(let url, let reason): "could not reach the model at \(url): \(reason)"
        case .http(let status, let message): "the model's server answered \(status): \(message)"
        case .malformed(let detail): "the model's answer was not valid: \(detail)"
        case .cancelled: "the request to the model was cancelled"
        }
    }
}
