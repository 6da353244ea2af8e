import CinemaCore
import CinemaLibrary
import CinemaSpeech
import Configuration

/// Where `cinema index` sends the soundtracks of films without subtitles to be heard.
enum TranscriptionService {
    /// `cinema-models serve`'s own address when it is started by hand with its defaults.
    static let localModelService = "http://127.0.0.1:8790/v1"

    /// What to do when no service answers, for the index summary.
    static let howToStart =
        "install the model service (script/bootstrap, or cinema-models/install) and run cinema index again, "
        + "or set CINEMA_WHISPER_BASE_URL to another OpenAI-compatible transcription server"

    /// The one place the service's address is decided: `whisper.baseUrl`
    /// (`CINEMA_WHISPER_BASE_URL`), else the model service at its default address. When
    /// `cinema index` starts the model service itself, the address it listens on goes here.
    static func baseURL(_ context: CommandContext) -> String {
        context.reader.string(forKey: "whisper.baseUrl", default: localModelService)
    }

    /// The transcriber `cinema index` hands the indexer: the server `CINEMA_WHISPER_BASE_URL`
    /// names; else the model service of this checkout, started only when a film needs it and
    /// supervised for the rest of the run; else the model service's default address, where one
    /// started by hand would be.
    static func transcriber(_ context: CommandContext) throws -> any SoundtrackTranscriber {
        if context.reader.string(forKey: "whisper.baseUrl") == nil, case .success(let installation) = SpeechEngines.installation(context) {
            let service = ModelService(configuration: try SpeechEngines.serviceConfiguration(installation, context: context), logger: context.logger)
            return SupervisedTranscriber(service: service)
        }
        return remote(context)
    }

    static func remote(_ context: CommandContext) -> WhisperWordTranscriber {
        let reader = context.reader
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = baseURL(context)
        configuration.model = reader.string(forKey: "whisper.model", default: configuration.model)
        configuration.apiKey = reader.string(forKey: "whisper.apiKey", isSecret: true) ?? reader.string(forKey: "openai.apiKey", isSecret: true)
        configuration.language = reader.string(forKey: "whisper.language", default: "en")
        return WhisperWordTranscriber(configuration: configuration)
    }
}

/// The model service started on first use (the first film without subtitles), waited for, and
/// asked at each piece for its current address, so that a restart mid-film costs one piece's
/// retry, not the run.
actor SupervisedTranscriber: SoundtrackTranscriber {
    let service: ModelService
    private var supervision: Task<Void, Never>?

    init(service: ModelService) {
        self.service = service
    }

    nonisolated var location: String { "the model service (\(service.configuration.installation.folder))" }

    private func transcriber() async throws(TranscriptionError) -> WhisperWordTranscriber {
        if supervision == nil {
            let service = self.service
            supervision = Task { await service.supervise() }
        }
        // Loading Whisper takes seconds; a minute and a half allows for a loaded machine.
        guard let url = await service.baseURL(within: .seconds(90)) else {
            let state = await service.state
            throw .unreachable(service: location, reason: "it is \(state.name)\(state.reason.map { ": \($0)" } ?? "")")
        }
        var configuration = WhisperRecognizer.Configuration.modelService(model: service.configuration.model)
        configuration.baseURL = url
        // A soundtrack is not a visitor talking to a TV: the prompt would mislead Whisper there.
        configuration.prompt = nil
        return WhisperWordTranscriber(configuration: configuration)
    }

    func model() async throws(TranscriptionError) -> String {
        try await transcriber().model()
    }

    func words(in wav: [UInt8], seconds: Double) async throws(TranscriptionError) -> [TimedWord] {
        try await transcriber().words(in: wav, seconds: seconds)
    }

    /// Stops the service if it was started.
    func stop() async {
        supervision?.cancel()
        await supervision?.value
    }
}
