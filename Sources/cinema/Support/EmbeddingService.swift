import CinemaCore
import CinemaDirector
import CinemaLibrary
import Configuration

/// Where `cinema index` has its spoken lines embedded, read from configuration:
/// `embeddings.url` (`CINEMA_EMBEDDINGS_URL`: an OpenAI-compatible server such as Ollama or
/// OpenAI), else the model service on this machine; `embeddings.model`
/// (`CINEMA_EMBEDDINGS_MODEL`), `embeddings.key` (`CINEMA_EMBEDDINGS_KEY`).
enum EmbeddingService {
    static let defaultModel = "all-MiniLM-L6-v2"

    /// What to do when lines were not embedded, for the index summary.
    static let howToFix =
        "install the model service (script/bootstrap, or cinema-models/install) and run cinema index again, "
        + "or set CINEMA_EMBEDDINGS_URL to an OpenAI-compatible embeddings server (Ollama, OpenAI)"

    /// `embeddings.enabled` (`CINEMA_EMBEDDINGS_ENABLED`, default true): false leaves lines
    /// unembedded and the director finding them by words alone, as `--no-embeddings` does.
    static func enabled(_ context: CommandContext) -> Bool {
        context.reader.bool(forKey: "embeddings.enabled", default: true)
    }

    static func model(_ context: CommandContext) -> String {
        context.reader.string(forKey: "embeddings.model", default: defaultModel)
    }

    /// The embedder, or why there is none.
    static func embedder(_ context: CommandContext, local: LocalModelService?) -> Result<any LineEmbedder, EmbeddingError> {
        let timeout = Duration.seconds(max(1, context.reader.int(forKey: "embeddings.timeout", default: 60)))
        if let configured = configured(context, timeout: timeout) { return .success(configured) }
        guard let local else {
            return .failure(.unreachable(url: "the model service", reason: "it is not installed"))
        }
        return .success(SupervisedEmbedder(local: local, model: model(context), timeout: timeout))
    }

    /// The server `embeddings.url` names, if any.
    static func configured(_ context: CommandContext, timeout: Duration) -> OpenAIEmbeddingModel? {
        guard let url = context.reader.string(forKey: "embeddings.url") else { return nil }
        return OpenAIEmbeddingModel(
            baseURL: url,
            model: model(context),
            apiKey: context.reader.string(forKey: "embeddings.key", isSecret: true),
            timeout: timeout
        )
    }
}

/// Embeds through the model service, started on first use (the first lines to embed).
struct SupervisedEmbedder: LineEmbedder {
    let local: LocalModelService
    let model: String
    let timeout: Duration

    func embed(_ texts: [String]) async throws -> [[Float]] {
        switch await local.baseURL() {
        case .success(let url):
            return try await OpenAIEmbeddingModel(baseURL: url, model: model, timeout: timeout).embed(texts)
        case .failure(let unavailable):
            throw EmbeddingError.unreachable(url: local.location, reason: unavailable.reason)
        }
    }
}
