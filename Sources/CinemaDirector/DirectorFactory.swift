public import CinemaCore
public import CinemaLibrary
public import Configuration
public import Logging

/// Builds the director the configuration asks for (`director.kind`: retrieval, openai,
/// anthropic). Language-model directors fall back to a retrieval director they own. With
/// `meaning`, both find lines by what they mean as well as by their words.
public enum DirectorFactory {
    public static func make(
        reader: ConfigReader,
        library: LibraryDatabase,
        home: CinemaHome,
        logger: Logger,
        cooldown: ClipCooldown? = nil,
        meaning: MeaningSearch? = nil
    )
        throws(DirectorSetupError) -> any Director
    {
        let retrieval = RetrievalDirector(
            library: library,
            configuration: RetrievalConfiguration(reader: reader),
            cooldown: cooldown,
            meaning: meaning
        )
        let kind = reader.string(forKey: "director.kind", default: "retrieval").lowercased()
        let model: any ChatModel
        switch kind {
        case "retrieval":
            return retrieval
        case "openai":
            // Local servers (Ollama, llama.cpp, vLLM) need no key; OpenAI itself does.
            let baseURL = reader.string(forKey: "openai.baseUrl", default: "https://api.openai.com/v1")
            let apiKey = reader.string(forKey: "openai.apiKey", isSecret: true)
            if apiKey == nil && baseURL.contains("api.openai.com") {
                throw .missingSetting("CINEMA_OPENAI_API_KEY", hint: "set it (or OPENAI_API_KEY), or point CINEMA_OPENAI_BASE_URL at a local server")
            }
            model = OpenAIChatModel(baseURL: baseURL, model: reader.string(forKey: "openai.model", default: "gpt-4o-mini"), apiKey: apiKey)
        case "anthropic":
            guard let apiKey = reader.string(forKey: "anthropic.apiKey", isSecret: true) else {
                throw .missingSetting("CINEMA_ANTHROPIC_API_KEY", hint: "set it (or ANTHROPIC_API_KEY)")
            }
            model = AnthropicChatModel(
                baseURL: reader.string(forKey: "anthropic.baseUrl", default: "https://api.anthropic.com"),
                model: reader.string(forKey: "anthropic.model", default: "claude-3-5-haiku-latest"),
                apiKey: apiKey
            )
        default:
            throw .unknownDirector(kind)
        }
        let promptPath = reader.string(forKey: "director.prompt", default: home.path + "/" + DirectorPrompt.fileName)
        return LLMDirector(
            model: model,
            fallback: retrieval,
            library: library,
            meaning: meaning,
            systemPrompt: try DirectorPrompt.load(from: promptPath),
            configuration: LLMConfiguration(reader: reader),
            logger: logger
        )
    }
}

extension LLMConfiguration {
    public init(reader: ConfigReader) {
        self.init()
        let director = reader.scoped(to: "director")
        timeBudget = .milliseconds(Int(1000 * max(0.1, director.double(forKey: "timeBudget", default: 4))))
        maxToolRounds = max(1, director.int(forKey: "maxToolRounds", default: maxToolRounds))
        maxSearchesPerRound = max(1, director.int(forKey: "maxSearchesPerRound", default: maxSearchesPerRound))
    }
}

public enum DirectorSetupError: Error, CustomStringConvertible, Equatable {
    case unknownDirector(String)
    case missingSetting(String, hint: String)
    case prompt(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownDirector(let name):
            "Unknown director '\(name)'. Use retrieval, openai or anthropic (--director or CINEMA_DIRECTOR_KIND)."
        case .missingSetting(let name, let hint):
            "\(name) is not set: \(hint)."
        case .prompt(let path, let reason):
            "Could not read the director's system prompt at \(path): \(reason). Fix the file or delete it to get the default back."
        }
    }
}
