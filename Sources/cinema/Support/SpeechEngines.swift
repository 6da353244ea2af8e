import CinemaCore
import CinemaLibrary
import CinemaSpeech
import Configuration
import Foundation

/// The recognizers `cinema serve --speech` and `cinema transcribe --engine` can use, read from
/// configuration: Whisper through the model service on this machine (the default once
/// `script/bootstrap` installed it; `CINEMA_MODELS_*`), or through another OpenAI-compatible server
/// when `CINEMA_WHISPER_BASE_URL` names one; pocketsphinx otherwise.
enum SpeechEngines {
    static let names = ["pocketsphinx", "whisper"]

    static let languageModels = ["generic", "library"]

    static let whisperModels = ["base", "tiny.en"]

    /// A recognizer ready to use, and what must run beside it.
    struct Prepared {
        var recognizer: any SpeechRecognizer
        /// The model service to supervise for as long as the recognizer is used.
        var modelService: ModelService?
        /// How visitors are heard right now, for `/health`.
        var status: (@Sendable () async -> SpeechStatus)?
        /// Said once at start-up: why visitors are not heard by Whisper.
        var note: String?

        /// Runs `body` with the model service supervised (started, and stopped afterwards), once
        /// it is ready or `limit` has passed; for commands that hear a file and end.
        func withService<T: Sendable>(readyWithin limit: Duration, _ body: @Sendable () async throws -> T) async throws -> T {
            guard let modelService else { return try await body() }
            let supervision = Task { await modelService.supervise() }
            defer { supervision.cancel() }
            if await modelService.baseURL(within: limit) == nil {
                let state = await modelService.state
                try? FileHandle.standardError.write(
                    contentsOf:
                        Data("The model service is not ready (\(state.name)\(state.reason.map { ": \($0)" } ?? "")); using the fallback.\n".utf8)
                )
            }
            let value = try await body()
            supervision.cancel()
            _ = await supervision.value
            return value
        }
    }

    /// The engine to use when none is asked for: Whisper when its service is installed or a
    /// server is named, else pocketsphinx.
    static func defaultEngine(_ context: CommandContext) -> String {
        if context.reader.string(forKey: "whisper.baseUrl") != nil { return "whisper" }
        if case .success = installation(context) { return "whisper" }
        return "pocketsphinx"
    }

    static func installation(_ context: CommandContext) -> Result<ModelServiceInstallation, ModelServiceInstallation.NotInstalled> {
        ModelServiceInstallation.find(
            folder: context.reader.string(forKey: "models.folder"),
            python: context.reader.string(forKey: "models.python")
        )
    }

    /// `requested` is the engine named by a flag or setting; nil picks ``defaultEngine``.
    /// `context` gives the configuration and, for a library language model, where to keep the
    /// model; `library` is the one the command has open already (else it is opened when needed).
    static func prepare(_ requested: String?, context: CommandContext, library: LibraryDatabase? = nil) async throws -> Prepared {
        let name = requested ?? defaultEngine(context)
        switch name {
        case "pocketsphinx":
            var prepared = Prepared(recognizer: try await pocketSphinx(context, library: library))
            if requested == nil, case .failure(let missing) = installation(context) {
                prepared.note = "Hearing visitors with pocketsphinx, which mishears most words: \(missing.description)"
                let note = prepared.note
                prepared.status = { SpeechStatus(engine: "pocketsphinx", note: note) }
            }
            return prepared
        case "whisper":
            if let baseURL = context.reader.string(forKey: "whisper.baseUrl") {
                return Prepared(recognizer: try remoteWhisper(baseURL: baseURL, context: context))
            }
            let installed: ModelServiceInstallation
            switch installation(context) {
            case .success(let found): installed = found
            case .failure(let missing):
                throw CommandError("Whisper needs the model service: \(missing.description) Or use --speech pocketsphinx.")
            }
            let service = ModelService(configuration: try serviceConfiguration(installed, context: context), logger: context.logger)
            var configuration = WhisperRecognizer.Configuration.modelService(model: service.configuration.model)
            configuration.language = context.reader.string(forKey: "whisper.language", default: "en")
            configuration.prompt = context.reader.string(forKey: "whisper.prompt", default: configuration.prompt ?? "")
            let whisper = WhisperRecognizer(configuration: configuration, service: service)
            // pocketsphinx hears visitors while the service restarts, with one decoder: it is
            // the stand-in, not the voice.
            let fallback = try await pocketSphinx(context, library: library, decoders: 1)
            return Prepared(
                recognizer: FallbackRecognizer(primary: whisper, fallback: fallback, logger: context.logger),
                modelService: service,
                status: { await SpeechStatus.of(service, fallback: fallback.name) }
            )
        default:
            throw CommandError("The speech engine must be one of \(names.joined(separator: ", ")), not '\(name)'.")
        }
    }

    /// The model service as configured: `models.whisper` (base or tiny.en), `models.threads`,
    /// `models.decoders`, `models.beamSize`, `models.weights` (a weights folder of its own); its log goes to the data directory.
    static func serviceConfiguration(_ installation: ModelServiceInstallation, context: CommandContext) throws -> ModelService.Configuration {
        let reader = context.reader
        var configuration = ModelService.Configuration(installation: installation)
        configuration.model = reader.string(forKey: "models.whisper", default: configuration.model)
        guard whisperModels.contains(configuration.model) else {
            throw CommandError("CINEMA_MODELS_WHISPER is '\(configuration.model)'; choose one of \(whisperModels.joined(separator: ", ")).")
        }
        configuration.threads = reader.int(forKey: "models.threads", default: configuration.threads)
        configuration.decoders = reader.int(forKey: "models.decoders", default: configuration.decoders)
        configuration.beamSize = reader.int(forKey: "models.beamSize", default: configuration.beamSize)
        guard (0...64).contains(configuration.threads), (1...8).contains(configuration.decoders), (1...10).contains(configuration.beamSize) else {
            throw CommandError(
                "The model service's settings are out of range: CINEMA_MODELS_THREADS 0–64 (0 = one per core), CINEMA_MODELS_DECODERS 1–8, CINEMA_MODELS_BEAM_SIZE 1–10."
            )
        }
        configuration.weightsFolder = reader.string(forKey: "models.weights").flatMap { $0.isEmpty ? nil : $0 }
        configuration.logPath = context.home.path + "/logs/cinema-models.log"
        return configuration
    }

    static func pocketSphinx(_ context: CommandContext, library: LibraryDatabase?, decoders: Int? = nil) async throws -> PocketSphinxRecognizer {
        // One decoder per core by default (that many visitors are heard at once), but no more
        // than two: each holds its own 90 MiB copy of the model.
        let decoders = decoders ?? context.reader.int(forKey: "speech.decoders", default: min(2, ProcessInfo.processInfo.activeProcessorCount))
        guard (1...16).contains(decoders) else {
            throw CommandError("CINEMA_SPEECH_DECODERS is \(decoders); give 1 to 16 (each holds a copy of the speech model).")
        }
        return try PocketSphinxRecognizer(model: try await model(context, library: library), decoders: decoders)
    }

    static func remoteWhisper(baseURL: String, context: CommandContext) throws -> WhisperRecognizer {
        let reader = context.reader
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = baseURL
        configuration.model = reader.string(forKey: "whisper.model", default: configuration.model)
        configuration.apiKey = reader.string(forKey: "whisper.apiKey", isSecret: true) ?? reader.string(forKey: "openai.apiKey", isSecret: true)
        configuration.prompt = reader.string(forKey: "whisper.prompt")
        configuration.language = reader.string(forKey: "whisper.language", default: "en")
        configuration.timeout = .seconds(max(1, reader.int(forKey: "whisper.timeout", default: 10)))
        if configuration.apiKey == nil && configuration.baseURL.contains("api.openai.com") {
            throw CommandError(
                "api.openai.com needs CINEMA_WHISPER_API_KEY (or OPENAI_API_KEY); or leave CINEMA_WHISPER_BASE_URL unset to use the model service on this machine."
            )
        }
        return WhisperRecognizer(configuration: configuration)
    }

    /// pocketsphinx's language model: Debian's generic English, or one of the library's own
    /// dialogue (`CINEMA_SPEECH_LANGUAGE_MODEL=library`), built on first use and kept in the
    /// data directory.
    static func model(_ context: CommandContext, library: LibraryDatabase?) async throws -> PocketSphinxRecognizer.Model {
        let choice = context.reader.string(forKey: "speech.languageModel", default: "generic")
        switch choice {
        case "generic":
            return .debianEnglish
        case "library":
            let lines: [String]
            if let library {
                lines = try await library.spokenLines()
            } else {
                lines = try await context.openSpokenLibrary().spokenLines()
            }
            do {
                return try LibraryLanguageModel.prepare(lines: lines, in: context.home.path + "/speech")
            } catch {
                throw CommandError("\(error) Or set CINEMA_SPEECH_LANGUAGE_MODEL=generic.")
            }
        default:
            throw CommandError("CINEMA_SPEECH_LANGUAGE_MODEL must be one of \(languageModels.joined(separator: ", ")), not '\(choice)'.")
        }
    }
}
