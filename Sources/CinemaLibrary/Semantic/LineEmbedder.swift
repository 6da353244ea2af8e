/// Turns lines of dialogue into sentence embeddings: the seam between the library, which keeps
/// one vector per spoken line, and whatever model computes them (the model service on this
/// machine, Ollama, OpenAI).
///
/// Implementations throw ``EmbeddingError`` for anything that went wrong with the model, and
/// `CancellationError` when the task was cancelled.
public protocol LineEmbedder: Sendable {
    /// The model's name, stored with every vector: vectors of different models are never mixed.
    var model: String { get }

    /// One vector per text, in order, all of the same length.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// Why lines could not be embedded, with what to do about it.
public enum EmbeddingError: Error, CustomStringConvertible, Equatable {
    /// Nobody answered at `url`: the service is down, still starting, or the address is wrong.
    case unreachable(url: String, reason: String)
    /// The server answered with an error status; `message` is its own explanation.
    case http(url: String, status: Int, message: String)
    /// The answer was not the embeddings asked for (not JSON, too few vectors, wrong lengths).
    case malformed(url: String, detail: String)

    public var description: String {
        switch self {
        case .unreachable(let url, let reason):
            "the embedding service at \(url) did not answer (\(reason)); start it, or point CINEMA_EMBEDDINGS_URL at one that runs"
        case .http(let url, let status, let message):
            "the embedding service at \(url) answered \(status): \(message)"
        case .malformed(let url, let detail):
            "the embedding service at \(url) gave an answer that is not the embeddings asked for: \(detail)"
        }
    }
}
