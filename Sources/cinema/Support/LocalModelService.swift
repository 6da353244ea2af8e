import CinemaCore
import CinemaSpeech

/// The model service of this checkout for a command that may need it (`cinema index`: a film
/// without subtitles to hear, lines to embed): started on first use only, shared by whatever
/// asks, and stopped when the command is done.
actor LocalModelService {
    let service: ModelService
    private var supervision: Task<Void, Never>?

    init(service: ModelService) {
        self.service = service
    }

    /// The installed service, configured from `context`; nil when it is not installed.
    static func installed(_ context: CommandContext) throws -> LocalModelService? {
        guard case .success(let installation) = SpeechEngines.installation(context) else { return nil }
        return LocalModelService(
            service: ModelService(configuration: try SpeechEngines.serviceConfiguration(installation, context: context), logger: context.logger)
        )
    }

    nonisolated var location: String { "the model service (\(service.configuration.installation.folder))" }

    /// Its address (up to and including `/v1`), starting it if nobody has yet; nil when it is
    /// not ready within a minute and a half (loading models takes seconds; this allows for a
    /// loaded machine), with why.
    func baseURL() async -> Result<String, Unavailable> {
        if supervision == nil {
            let service = self.service
            supervision = Task { await service.supervise() }
        }
        if let url = await service.baseURL(within: .seconds(90)) { return .success(url) }
        let state = await service.state
        return .failure(Unavailable(reason: "it is \(state.name)\(state.reason.map { ": \($0)" } ?? "")"))
    }

    struct Unavailable: Error {
        var reason: String
    }

    /// Stops the service if it was started.
    func stop() async {
        supervision?.cancel()
        await supervision?.value
    }
}
