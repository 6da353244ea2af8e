import Foundation

/// One RTVI envelope on a room's WebSocket: `{"label": "rtvi-ai", "type", "id"?, "data"?}`.
///
/// The builders below are the backend → client messages of PROTOCOL.md; `ClientMessage` reads
/// the other direction.
public struct RoomMessage: Codable, Sendable, Equatable {
    public static let rtviLabel = "rtvi-ai"

    public var label: String
    public var type: String
    public var id: String?
    public var data: JSONValue?

    public init(type: String, id: String? = nil, data: JSONValue? = nil) {
        self.label = Self.rtviLabel
        self.type = type
        self.id = id
        self.data = data
    }

    /// Reads one text frame. Anything that is not an RTVI envelope is an error that says what
    /// was wrong with it.
    public static func decode(_ text: String) throws(RoomMessageError) -> RoomMessage {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .notJSON
        }
        guard case .object(let object) = value else { throw .notAnObject }
        guard object["label"]?.stringValue == rtviLabel else { throw .wrongLabel(object["label"]?.stringValue) }
        guard let type = object["type"]?.stringValue, !type.isEmpty else { throw .missingField("type") }
        let id: String?
        switch object["id"] {
        case nil, .null: id = nil
        case .string(let value): id = value
        case .number: id = object["id"]?.int64Value.map(String.init)
        default: throw .invalidField("id", expected: "a string")
        }
        return RoomMessage(type: type, id: id, data: object["data"])
    }

    /// The frame's text: compact, keys sorted so that equal messages are equal strings.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of strings, numbers and objects cannot fail.
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }
}

// MARK: Backend → client

extension RoomMessage {
    /// A clip as the device needs it: the span to play, and where to find the film (`path` on
    /// the same machine, `media_url` over HTTP).
    public struct ClipToPlay: Sendable, Equatable {
        public var clip: Clip
        public var mediaURL: String?

        public init(clip: Clip, mediaURL: String?) {
            self.clip = clip
            self.mediaURL = mediaURL
        }

        var json: JSONValue {
            .object([
                "id": .number(Double(clip.id)),
                "film_id": .number(Double(clip.filmID)),
                "film_title": .string(clip.filmTitle),
                "path": clip.videoPath.map(JSONValue.string) ?? .null,
                "media_url": mediaURL.map(JSONValue.string) ?? .null,
                "start": .number(clip.start),
                "end": .number(clip.end),
                "text": .string(clip.text),
            ])
        }
    }

    public static func botReady(answering id: String?) -> RoomMessage {
        RoomMessage(
            type: "bot-ready",
            id: id,
            data: .object(["version": .string(CinemaVersion.current), "about": .object(["library": .string("cinema-chat")])])
        )
    }

    public static let userMuteStarted = RoomMessage(type: "user-mute-started")
    public static let userMuteStopped = RoomMessage(type: "user-mute-stopped")
    public static let userStartedSpeaking = RoomMessage(type: "user-started-speaking")
    public static let userStoppedSpeaking = RoomMessage(type: "user-stopped-speaking")

    public static func userTranscription(_ text: String, final: Bool = true, at date: Date, userID: String = "visitor") -> RoomMessage {
        RoomMessage(
            type: "user-transcription",
            data: .object([
                "text": .string(text), "final": .bool(final), "timestamp": .string(Timestamp.string(date)), "user_id": .string(userID),
            ])
        )
    }

    public static func botLLMText(_ text: String) -> RoomMessage {
        RoomMessage(type: "bot-llm-text", data: .object(["text": .string(text)]))
    }

    public static func playClip(turn: Int, _ clip: ClipToPlay) -> RoomMessage {
        serverMessage(["type": .string("play-clip"), "turn": .number(Double(turn)), "clip": clip.json])
    }

    public static let stopClip = serverMessage(["type": .string("stop-clip")])

    public static func sessionEnded(reason: String) -> RoomMessage {
        serverMessage(["type": .string("session-ended"), "reason": .string(reason)])
    }

    public static func metrics(_ timings: TurnTimings) -> RoomMessage {
        RoomMessage(type: "metrics", data: timings.json)
    }

    /// `code` is machine-readable (`token-expired`, `room-occupied`, …); `error` is for a person.
    public static func error(_ message: String, code: String, fatal: Bool) -> RoomMessage {
        RoomMessage(type: "error", data: .object(["error": .string(message), "code": .string(code), "fatal": .bool(fatal)]))
    }

    /// The `server-message` payload's own `type` (`play-clip`, `session-ended`…), if this is one.
    public var serverMessageType: String? {
        type == "server-message" ? data?["type"]?.stringValue : nil
    }

    private static func serverMessage(_ fields: [String: JSONValue]) -> RoomMessage {
        RoomMessage(type: "server-message", data: .object(fields))
    }
}

public enum RoomMessageError: Error, Equatable, CustomStringConvertible {
    case notJSON
    case notAnObject
    case wrongLabel(String?)
    case missingField(String)
    case invalidField(String, expected: String)
    case unsupported(type: String)

    public var description: String {
        switch self {
        case .notJSON: "The message is not JSON. Send RTVI envelopes: {\"label\": \"rtvi-ai\", \"type\": …}."
        case .notAnObject: "The message is JSON but not an object. Send RTVI envelopes: {\"label\": \"rtvi-ai\", \"type\": …}."
        case .wrongLabel(let label):
            "The message's label is \(label.map { "'\($0)'" } ?? "missing"); RTVI envelopes carry \"label\": \"rtvi-ai\"."
        case .missingField(let field): "The message has no '\(field)'."
        case .invalidField(let field, let expected): "The message's '\(field)' should be \(expected)."
        case .unsupported(let type): "Messages of type '\(type)' are not understood here; they were ignored."
        }
    }

    /// Whether the sender broke the envelope itself (counted towards closing the socket), as
    /// opposed to sending a well-formed message this backend does not act on.
    public var isMalformed: Bool {
        if case .unsupported = self { return false }
        return true
    }
}
