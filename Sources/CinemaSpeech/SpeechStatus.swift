/// How visitors are heard right now, for `/health` and the dashboard: which engine, and when it
/// is not the one meant to hear them, why and what does meanwhile.
public struct SpeechStatus: Sendable, Equatable, Codable {
    /// `whisper`, `pocketsphinx` or `none`.
    public var engine: String
    /// The Whisper model, when Whisper is the engine.
    public var model: String?
    /// The model service: `starting`, `ready`, `restarting`, `failed` or `stopped`.
    public var service: String?
    /// What hears visitors while the service is not ready.
    public var fallback: String?
    /// Said for people: why Whisper is not hearing visitors, and what to do.
    public var note: String?

    public init(engine: String, model: String? = nil, service: String? = nil, fallback: String? = nil, note: String? = nil) {
        self.engine = engine
        self.model = model
        self.service = service
        self.fallback = fallback
        self.note = note
    }

    /// The status of Whisper through the supervised service, with `fallback` hearing meanwhile.
    public static func of(_ service: ModelService, fallback: String?) async -> SpeechStatus {
        let state = await service.state
        var status = SpeechStatus(engine: "whisper", model: service.configuration.model, service: state.name, fallback: fallback)
        if state.name != "ready" {
            let meanwhile = fallback.map { "; \($0) hears visitors meanwhile" } ?? ""
            status.note = "The model service is \(state.name)\(state.reason.map { " (\($0))" } ?? "")\(meanwhile)."
        }
        return status
    }
}
