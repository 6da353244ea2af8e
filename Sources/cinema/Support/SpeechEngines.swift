import CinemaCore
import CinemaLibrary
import CinemaSpeech
import Configuration
import Foundation

/// The recognizers `cinema serve --speech` and `cinema transcribe --engine` can use, read from
/// configuration (`CINEMA_WHISPER_*` for the HTTP one).
enum SpeechEngines {
    static let names = ["pocketsphinx", "whisper"]

    static let languageModels = ["generic", "library"]

    /// `context` gives the configuration and, for a library language model, where to keep the
    /// model; `library` is the one the command has open already (else it is opened when needed).
    static func recognizer(_ name: String, context: CommandContext, library: LibraryDatabase? = nil) async throws -> any SpeechRecognizer {
        let reader = context.reader
        switch name {
        case "pocketsphinx":
            // One decoder per core by default (that many visitors are heard at once), but no more
            // than two: each holds its own 90 MiB copy of the model.
            let decoders = reader.int(forKey: "speech.decoders", default: min(2, ProcessInfo.processInfo.activeProcessorCount))
            guard (1...16).contains(decoders) else {
                throw CommandError("CINEMA_SPEECH_DECODERS is \(decoders); give 1 to 16 (each holds a copy of the speech model).")
            }
            return try PocketSphinxRecognizer(model: try await model(context, library: library), decoders: decoders)
        case "whisper":
            var configuration = WhisperRecognizer.Configuration()
            configuration.baseURL = reader.string(forKey: "whisper.baseUrl", default: configuration.baseURL)
            configuration.model = reader.string(forKey: "whisper.model", default: configuration.model)
            configuration.apiKey = reader.string(forKey: "whisper.apiKey", isSecret: true) ?? reader.string(forKey: "openai.apiKey", isSecret: true)
            configuration.language = reader.string(forKey: "whisper.language", default: "en")
            configuration.timeout = .seconds(max(1, reader.int(forKey: "whisper.timeout", default: 10)))
            if configuration.apiKey == nil && configuration.baseURL.contains("api.openai.com") {
                throw CommandError(
                    "The whisper engine needs CINEMA_WHISPER_API_KEY (or OPENAI_API_KEY) for api.openai.com, or CINEMA_WHISPER_BASE_URL pointing at a local server."
                )
            }
            return WhisperRecognizer(configuration: configuration)
        default:
            throw CommandError("The speech engine must be one of \(names.joined(separator: ", ")), not '\(name)'.")
        }
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
