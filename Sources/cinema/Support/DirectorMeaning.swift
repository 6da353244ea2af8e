import CinemaCore
import CinemaDirector
import CinemaLibrary
import CinemaSpeech
import Configuration
import Logging

/// How the director finds lines by meaning: the library's stored line embeddings, and a server to
/// embed what the visitor says with the same model. Without either, the director finds lines by
/// their words alone, and the log says why, once.
enum DirectorMeaning {
    /// A visitor's line is one sentence: past this the turn answers by words instead.
    static let turnTimeout = Duration.seconds(2)

    static func search(_ context: CommandContext, library: LibraryDatabase, embedder: (any LineEmbedder)?) async -> MeaningSearch? {
        guard EmbeddingService.enabled(context) else {
            context.logger.notice("Embeddings are turned off (CINEMA_EMBEDDINGS_ENABLED): the director finds lines by their words alone.")
            return nil
        }
        let model = EmbeddingService.model(context)
        let index: SemanticIndex?
        do {
            index = try await SemanticIndex.load(from: library, model: model)
        } catch {
            context.logger.warning("Could not read the library's line embeddings; answering by words alone", metadata: ["error": "\(error)"])
            return nil
        }
        guard let index, index.count > 0 else {
            context.logger.notice(
                "The library has no line embeddings of \(model): the director finds lines by their words alone. Run cinema index to embed them."
            )
            return nil
        }
        guard let embedder else {
            context.logger.notice("No embeddings server is configured: the director finds lines by their words alone.")
            return nil
        }
        return MeaningSearch(embedder: embedder, index: index, library: library)
    }

    /// The embeddings server named by `embeddings.url` (`CINEMA_EMBEDDINGS_URL`), with a turn's
    /// short timeout.
    static func configuredEmbedder(_ context: CommandContext) -> (any LineEmbedder)? {
        EmbeddingService.configured(context, timeout: turnTimeout)
    }
}

/// Embeds what a visitor says through the model service `cinema serve` supervises. While it is
/// starting or restarting the turn is answered by words: a visitor does not wait for it.
struct RunningServiceEmbedder: LineEmbedder {
    let service: ModelService
    let model: String

    func embed(_ texts: [String]) async throws -> [[Float]] {
        guard let url = await service.baseURL(within: .zero) else {
            throw EmbeddingError.unreachable(url: "the model service", reason: "it is \(await service.state.name)")
        }
        return try await OpenAIEmbeddingModel(baseURL: url, model: model, timeout: DirectorMeaning.turnTimeout).embed(texts)
    }
}
