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
        "start the model service (cd cinema-models && .venv/bin/python -m cinema_models serve) and run cinema index again, "
        + "or set CINEMA_WHISPER_BASE_URL to another OpenAI-compatible transcription server"

    /// The one place the service's address is decided: `whisper.baseUrl`
    /// (`CINEMA_WHISPER_BASE_URL`), else the model service at its default address. When
    /// `cinema index` starts the model service itself, the address it listens on goes here.
    static func baseURL(_ context: CommandContext) -> String {
        context.reader.string(forKey: "whisper.baseUrl", default: localModelService)
    }

    /// The transcriber `cinema index` hands the indexer, with the `whisper.*` settings that
    /// `cinema serve --speech whisper` also reads (model, key, language).
    static func transcriber(_ context: CommandContext) -> any SoundtrackTranscriber {
        let reader = context.reader
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = baseURL(context)
        configuration.model = reader.string(forKey: "whisper.model", default: configuration.model)
        configuration.apiKey = reader.string(forKey: "whisper.apiKey", isSecret: true) ?? reader.string(forKey: "openai.apiKey", isSecret: true)
        configuration.language = reader.string(forKey: "whisper.language", default: "en")
        return WhisperWordTranscriber(configuration: configuration)
    }
}
