import Foundation

/// What the backend says in a room (PROTOCOL.md, "Backend → client"), typed. The backend sends
/// these and the device client and benchmarks read them; `envelope` and `init(_:)` are the
/// only places that know their JSON.
public enum ServerMessage: Sendable, Equatable {
    /// The answer to `client-ready`, carrying its `id`.
    case botReady(answering: String?)
    /// The microphone is ignored (a clip plays) / listened to again.
    case userMuteStarted
    case userMuteStopped
    case userStartedSpeaking
    case userStoppedSpeaking
    case userTranscription(Transcription)
    /// The director's reasoning, for observers.
    case botLLMText(String)
    case playClip(turn: Int, clip: ClipToPlay)
    case stopClip
    case sessionEnded(reason: String)
    /// Where a turn's time went; sent when its clip is sent and again when it started.
    case metrics(TurnTimings)
    case error(RoomError)

    public struct Transcription: Sendable, Equatable {
        public var text: String
        public var final: Bool
        public var at: Date
        public var userID: String

        public init(text: String, final: Bool = true, at: Date, userID: String = "visitor") {
            self.text = text
            self.final = final
            self.at = at
            self.userID = userID
        }
    }

    /// A clip as the device needs it: the span to play, and where to find the film (`path` on
    /// the same machine, `media_url` over HTTP).
    public struct ClipToPlay: Codable, Sendable, Equatable {
        public var id: Int64
        public var filmID: Int64
        public var filmTitle: String
        public var path: String?
        public var mediaURL: String?
        public var start: Double
        public var end: Double
        public var text: String

        public init(clip: Clip, mediaURL: String?) {
            id = clip.id
            filmID = clip.filmID
            filmTitle = clip.filmTitle
            path = clip.videoPath
            self.mediaURL = mediaURL
            start = clip.start
            end = clip.end
            text = clip.text
        }

        enum CodingKeys: String, CodingKey {
            case id, path, start, end, text
            case filmID = "film_id"
            case filmTitle = "film_title"
            case mediaURL = "media_url"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(Int64.self, forKey: .id)
            start = try container.decode(Double.self, forKey: .start)
            end = try container.decode(Double.self, forKey: .end)
            filmID = try container.decodeIfPresent(Int64.self, forKey: .filmID) ?? 0
            filmTitle = try container.decodeIfPresent(String.self, forKey: .filmTitle) ?? "?"
            path = try container.decodeIfPresent(String.self, forKey: .path)
            mediaURL = try container.decodeIfPresent(String.self, forKey: .mediaURL)
            text = try container.decodeIfPresent(String.self, forKey: .text) ?? ""
        }

        /// `path` and `media_url` are always there, null when unknown, as PROTOCOL.md shows them.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(filmID, forKey: .filmID)
            try container.encode(filmTitle, forKey: .filmTitle)
            try container.encode(path, forKey: .path)
            try container.encode(mediaURL, forKey: .mediaURL)
            try container.encode(start, forKey: .start)
            try container.encode(end, forKey: .end)
            try container.encode(text, forKey: .text)
        }
    }

    public struct RoomError: Sendable, Equatable {
        /// For a person.
        public var message: String
        /// Machine-readable: `token-expired`, `room-occupied`, `director-failed`, …
        public var code: String
        /// Whether the room closes after it.
        public var fatal: Bool

        public init(message: String, code: String, fatal: Bool) {
            self.message = message
            self.code = code
            self.fatal = fatal
        }
    }

    // MARK: The wire

    public var envelope: RoomMessage {
        switch self {
        case .botReady(let id):
            RoomMessage(
                type: "bot-ready",
                id: id,
                data: .object(["version": .string(CinemaVersion.current), "about": .object(["library": .string("cinema-chat")])])
            )
        case .userMuteStarted: RoomMessage(type: "user-mute-started")
        case .userMuteStopped: RoomMessage(type: "user-mute-stopped")
        case .userStartedSpeaking: RoomMessage(type: "user-started-speaking")
        case .userStoppedSpeaking: RoomMessage(type: "user-stopped-speaking")
        case .userTranscription(let heard):
            RoomMessage(
                type: "user-transcription",
                data: .object([
                    "text": .string(heard.text), "final": .bool(heard.final), "timestamp": .string(Timestamp.string(heard.at)),
                    "user_id": .string(heard.userID),
                ])
            )
        case .botLLMText(let text): RoomMessage(type: "bot-llm-text", data: .object(["text": .string(text)]))
        case .playClip(let turn, let clip):
            Self.serverMessage([
                "type": .string("play-clip"), "turn": .number(Double(turn)), "clip": (try? JSONValue(encoding: clip)) ?? .null,
            ])
        case .stopClip: Self.serverMessage(["type": .string("stop-clip")])
        case .sessionEnded(let reason): Self.serverMessage(["type": .string("session-ended"), "reason": .string(reason)])
        case .metrics(let timings): RoomMessage(type: "metrics", data: timings.json)
        case .error(let error):
            RoomMessage(
                type: "error",
                data: .object(["error": .string(error.message), "code": .string(error.code), "fatal": .bool(error.fatal)])
            )
        }
    }

    /// Reads one backend message. Fields a person reads default when missing; fields a device
    /// acts on (a clip's id and span) are required.
    public init(_ message: RoomMessage) throws(RoomMessageError) {
        let data = message.data ?? .null
        switch message.type {
        case "bot-ready": self = .botReady(answering: message.id)
        case "user-mute-started": self = .userMuteStarted
        case "user-mute-stopped": self = .userMuteStopped
        case "user-started-speaking": self = .userStartedSpeaking
        case "user-stopped-speaking": self = .userStoppedSpeaking
        case "user-transcription":
            self = .userTranscription(
                Transcription(
                    text: data["text"]?.stringValue ?? "",
                    final: data["final"]?.boolValue ?? true,
                    at: data["timestamp"]?.stringValue.flatMap(Timestamp.date) ?? Date(),
                    userID: data["user_id"]?.stringValue ?? "visitor"
                )
            )
        case "bot-llm-text": self = .botLLMText(data["text"]?.stringValue ?? "")
        case "metrics":
            guard let timings = TurnTimings(data) else { throw .invalidField("data", expected: "turn timings with turn, director_ms and total_ms") }
            self = .metrics(timings)
        case "error":
            self = .error(
                RoomError(
                    message: data["error"]?.stringValue ?? "no detail",
                    code: data["code"]?.stringValue ?? "error",
                    fatal: data["fatal"]?.boolValue ?? false
                )
            )
        case "server-message":
            switch data["type"]?.stringValue {
            case "play-clip":
                guard let clipData = data["clip"], let clip = try? clipData.decode(as: ClipToPlay.self) else {
                    throw .invalidField("data.clip", expected: "a clip with an id, start and end")
                }
                self = .playClip(turn: data["turn"]?.int64Value.map(Int.init) ?? 0, clip: clip)
            case "stop-clip": self = .stopClip
            case "session-ended": self = .sessionEnded(reason: data["reason"]?.stringValue ?? "ended")
            case let other: throw .unsupported(type: "server-message/\(other ?? "without a type")")
            }
        default:
            throw .unsupported(type: message.type)
        }
    }

    private static func serverMessage(_ fields: [String: JSONValue]) -> RoomMessage {
        RoomMessage(type: "server-message", data: .object(fields))
    }
}
