import AsyncHTTPClient
import CinemaCore
public import CinemaLibrary
import Foundation

/// Sentence embeddings over OpenAI's `POST /v1/embeddings`: the model service on this machine
/// (all-MiniLM-L6-v2), OpenAI itself, or Ollama and others at their OpenAI-compatible address.
public struct OpenAIEmbeddingModel: LineEmbedder {
    public let model: String
    /// Where requests go: the base URL with `/v1/embeddings` (or `/embeddings` after a `/v1`).
    public let url: String
    let apiKey: String?
    let dimensions: Int?
    let http: ModelHTTP
    let timeout: Duration

    /// `baseURL` with or without its `/v1` (`http://127.0.0.1:11434` and
    /// `http://127.0.0.1:11434/v1` are the same). `dimensions` is the length every vector must
    /// have; by default 384 for all-MiniLM-L6-v2 and, for other models, whatever the first
    /// vector's is.
    public init(
        baseURL: String,
        model: String = "all-MiniLM-L6-v2",
        apiKey: String? = nil,
        dimensions: Int? = nil,
        client: HTTPClient? = nil,
        timeout: Duration
    ) {
        let base = ServiceAddress.base(baseURL)
        self.url = base + (base.hasSuffix("/v1") ? "/embeddings" : "/v1/embeddings")
        self.model = model
        self.apiKey = apiKey
        self.dimensions = dimensions ?? (model == "all-MiniLM-L6-v2" ? 384 : nil)
        self.http = ModelHTTP(client: client ?? ModelHTTP.sharedClient)
        self.timeout = timeout
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let headers = apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
        let data: Data
        do {
            data = try await http.post(url, headers: headers, body: Request(model: model, input: texts), timeout: timeout)
        } catch {
            switch error {
            case .cancelled: throw CancellationError()
            case .unreachable(_, let reason): throw EmbeddingError.unreachable(url: url, reason: reason)
            case .http(let status, let message): throw EmbeddingError.http(url: url, status: status, message: message)
            case .malformed(let detail): throw EmbeddingError.malformed(url: url, detail: detail)
            }
        }
        let answer: Response
        do {
            answer = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            let start = String(decoding: data.prefix(200), as: UTF8.self)
            throw EmbeddingError.malformed(url: url, detail: "expected {\"data\": [{\"index\", \"embedding\"}]}, got \(start)")
        }
        // OpenAI keeps the order of the input, and says so in `index`; go by `index` when given.
        let ordered = answer.data.enumerated().sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }.map(\.element.embedding)
        guard ordered.count == texts.count else {
            throw EmbeddingError.malformed(url: url, detail: "\(ordered.count) embeddings for \(texts.count) lines")
        }
        let expected = dimensions ?? ordered[0].count
        if let wrong = ordered.first(where: { $0.count != expected }) {
            throw EmbeddingError.malformed(url: url, detail: "an embedding of \(wrong.count) numbers where \(model) has \(expected)")
        }
        return ordered
    }

    // MARK: Wire format

    struct Request: Encodable {
        var model: String
        var input: [String]
        var encodingFormat = "float"

        enum CodingKeys: String, CodingKey {
            case model, input
            case encodingFormat = "encoding_format"
        }
    }

    struct Response: Decodable {
        var data: [Item]

        struct Item: Decodable {
            var index: Int?
            var embedding: [Float]
        }
    }
}
