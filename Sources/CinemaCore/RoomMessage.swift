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
    public static func botReady(answering id: String?) -> RoomMessage { ServerMessage.botReady(answering: id).envelope }
    public static let userMuteStarted = ServerMessage.userMuteStarted.envelope
    public static let userMuteStopped = ServerMessage.userMuteStopped.envelope
    public static let userStartedSpeaking = ServerMessage.userStartedSpeaking.envelope
    public static let userStoppedSpeaking = ServerMessage.userStoppedSpeaking.envelope

    public static func userTranscription(_ text: String, at date: Date) -> RoomMessage {
        ServerMessage.userTranscription(.init(text: text, at: date)).envelope
    }

    public static func sessionEnded(reason: String) -> RoomMessage { ServerMessage.sessionEnded(reason: reason).envelope }

    /// `code` is machine-readable (`token-expired`, `room-occupied`, …); `error` is for a person.
    public static func error(_ message: String, code: String, fatal: Bool) -> RoomMessage {
        ServerMessage.error(.init(message: message, code: code, fatal: fatal)).envelope
    }

    /// The `server-message` payload's own `type` (`play-clip`, `session-ended`…), if this is one.
    public var serverMessageType: String? {
        type == "server-message" ? data?["type"]?.stringValue : nil
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
