/// What a device (or an observer) may send in a room, read from its RTVI envelope.
public enum ClientMessage: Sendable, Equatable {
    /// Joined; answered with `bot-ready` carrying the same `id`. `audio` is the microphone's
    /// format when the client declares one (`data.audio: {"sample_rate", "channels"}`); without
    /// it the room expects 16 kHz mono. A declaration that cannot be read has rate 0.
    case clientReady(id: String?, version: String?, audio: AudioFormat? = nil)
    /// A typed visitor turn.
    case sendText(String)
    /// The player started the clip; `at` is when, by the device's clock, if it says.
    case clipStarted(clipID: Int64, at: String? = nil)
    /// The player stopped playing the clip: `eof`, `stopped` or `error`.
    case clipEnded(clipID: Int64, reason: String)
    /// The player could not play.
    case playerError(String)
    /// The device is leaving on purpose.
    case disconnect

    public init(_ message: RoomMessage) throws(RoomMessageError) {
        let data = message.data
        switch message.type {
        case "client-ready":
            self = .clientReady(id: message.id, version: data?["version"]?.stringValue, audio: Self.audioFormat(in: data?["audio"]))
        case "send-text":
            guard let content = data?["content"] else { throw .missingField("data.content") }
            guard let text = content.stringValue else { throw .invalidField("data.content", expected: "a string") }
            self = .sendText(text)
        case "client-message":
            guard let kind = data?["t"]?.stringValue else { throw .missingField("data.t") }
            let detail = data?["d"]
            switch kind {
            case "clip-started":
                self = .clipStarted(clipID: try Self.clipID(in: detail), at: detail?["at"]?.stringValue)
            case "clip-ended":
                self = .clipEnded(clipID: try Self.clipID(in: detail), reason: detail?["reason"]?.stringValue ?? "eof")
            case "player-error":
                self = .playerError(detail?["message"]?.stringValue ?? "the player reported an error without a message")
            default:
                throw .unsupported(type: "client-message/\(kind)")
            }
        case "disconnect-bot":
            self = .disconnect
        default:
            throw .unsupported(type: message.type)
        }
    }

    private static func clipID(in detail: JSONValue?) throws(RoomMessageError) -> Int64 {
        guard let value = detail?["clip_id"] else { throw .missingField("data.d.clip_id") }
        guard let id = value.int64Value else { throw .invalidField("data.d.clip_id", expected: "a clip id (integer)") }
        return id
    }
}

extension ClientMessage {
    static func audioFormat(in declared: JSONValue?) -> AudioFormat? {
        guard let declared, declared != .null else { return nil }
        let rate = declared["sample_rate"]?.doubleValue ?? 0
        let channels = declared["channels"]?.doubleValue ?? 1
        guard rate == rate.rounded(), channels == channels.rounded(), abs(rate) < 1e7, abs(channels) < 1e3 else {
            return AudioFormat(sampleRate: 0, channels: 1)
        }
        return AudioFormat(sampleRate: Int(rate), channels: Int(channels))
    }
}

extension ClientMessage {
    /// The message's envelope, as a device sends it. Reading it back with `init(_:)` gives the
    /// same message: this and `init(_:)` are the only places that know the client's JSON.
    public var envelope: RoomMessage {
        switch self {
        case .clientReady(let id, let version, let audio):
            var data: [String: JSONValue] = [
                "version": .string(version ?? "2.1.0"),
                "about": .object([
                    "library": .string("cinema-client"), "library_version": .string(CinemaVersion.current), "platform": .string("linux"),
                ]),
            ]
            if let audio {
                data["audio"] = .object(["sample_rate": .number(Double(audio.sampleRate)), "channels": .number(Double(audio.channels))])
            }
            return RoomMessage(type: "client-ready", id: id, data: .object(data))
        case .sendText(let text):
            return RoomMessage(type: "send-text", data: .object(["content": .string(text)]))
        case .clipStarted(let clipID, let at):
            var detail: [String: JSONValue] = ["clip_id": .number(Double(clipID))]
            if let at { detail["at"] = .string(at) }
            return Self.clientMessage("clip-started", detail)
        case .clipEnded(let clipID, let reason):
            return Self.clientMessage("clip-ended", ["clip_id": .number(Double(clipID)), "reason": .string(reason)])
        case .playerError(let message):
            return Self.clientMessage("player-error", ["message": .string(message)])
        case .disconnect:
            return RoomMessage(type: "disconnect-bot", data: .object([:]))
        }
    }

    private static func clientMessage(_ kind: String, _ detail: [String: JSONValue]) -> RoomMessage {
        RoomMessage(type: "client-message", data: .object(["t": .string(kind), "d": .object(detail)]))
    }
}

extension RoomMessage {
    /// Client → backend envelopes, for devices and tests.
    public static func clientReady(id: String = "ready", audio: AudioFormat? = nil) -> RoomMessage {
        ClientMessage.clientReady(id: id, version: nil, audio: audio).envelope
    }

    public static func sendText(_ text: String) -> RoomMessage { ClientMessage.sendText(text).envelope }

    public static func clipStarted(_ clipID: Int64, at date: String? = nil) -> RoomMessage {
        ClientMessage.clipStarted(clipID: clipID, at: date).envelope
    }

    public static func clipEnded(_ clipID: Int64, reason: String = "eof") -> RoomMessage {
        ClientMessage.clipEnded(clipID: clipID, reason: reason).envelope
    }

    public static func playerError(_ message: String) -> RoomMessage { ClientMessage.playerError(message).envelope }

    public static let disconnectBot = ClientMessage.disconnect.envelope
}
