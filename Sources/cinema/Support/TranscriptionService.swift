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
    /// names; else the model service of this checkout (`local`), started only when a film needs
    /// it; else the model service's default address, where one started by hand would be.
    static func transcriber(_ context: CommandContext, local: LocalModelService?) -> any SoundtrackTranscriber {
        if context.reader.string(forKey: "whisper.baseUrl") == nil, let local {
            return SupervisedTranscriber(local: local)
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

/// Hears soundtracks through the model service, started on first use (the first film without
/// subtitles) and asked at each piece for its current address, so that a restart mid-film costs
/// one piece's retry, not the run.
struct SupervisedTranscriber: SoundtrackTranscriber {
    let local: LocalModelService

    var location: String { local.location }

    private func transcriber() async throws(TranscriptionError) -> WhisperWordTranscriber {
        let url: String
        switch await local.baseURL() {
        case .success(let found): url = found
        case .failure(let unavailable): throw .unreachable(service: location, reason: unavailable.reason)
        }
        var configuration = WhisperRecognizer.Configuration.modelService(model: local.service.configuration.model)
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
}
