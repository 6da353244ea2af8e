/// What a device (or an observer) may send in a room, read from its RTVI envelope.
public enum ClientMessage: Sendable, Equatable {
    /// Joined; answered with `bot-ready` carrying the same `id`. `audio` is the microphone's
    /// format when the client declares one (`data.audio: {"sample_rate", "channels"}`); without
    /// it the room expects 16 kHz mono. A declaration that cannot be read has rate 0.
    case clientReady(id: String?, version: String?, audio: AudioFormat? = nil)
    /// A typed visitor turn.
    case sendText(String)
    /// The player started the clip.
    case clipStarted(clipID: Int64)
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
                self = .clipStarted(clipID: try Self.clipID(in: detail))
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

extension RoomMessage {
    /// Client → backend builders, for devices and tests.
    public static func clientReady(id: String = "ready", library: String = "cinema-client", audio: AudioFormat? = nil) -> RoomMessage {
        var data: [String: JSONValue] = [
            "version": .string("2.1.0"),
            "about": .object(["library": .string(library), "library_version": .string(CinemaVersion.current), "platform": .string("linux")]),
        ]
        if let audio {
            data["audio"] = .object(["sample_rate": .number(Double(audio.sampleRate)), "channels": .number(Double(audio.channels))])
        }
        return RoomMessage(type: "client-ready", id: id, data: .object(data))
    }

    public static func sendText(_ text: String) -> RoomMessage {
        RoomMessage(type: "send-text", data: .object(["content": .string(text)]))
    }

    public static func clipStarted(_ clipID: Int64, at date: String? = nil) -> RoomMessage {
        var detail: [String: JSONValue] = ["clip_id": .number(Double(clipID))]
        if let date { detail["at"] = .string(date) }
        return RoomMessage(type: "client-message", data: .object(["t": .string("clip-started"), "d": .object(detail)]))
    }

    public static func clipEnded(_ clipID: Int64, reason: String = "eof") -> RoomMessage {
        RoomMessage(
            type: "client-message",
            data: .object(["t": .string("clip-ended"), "d": .object(["clip_id": .number(Double(clipID)), "reason": .string(reason)])])
        )
    }

    public static func playerError(_ message: String) -> RoomMessage {
        RoomMessage(type: "client-message", data: .object(["t": .string("player-error"), "d": .object(["message": .string(message)])]))
    }

    public static let disconnectBot = RoomMessage(type: "disconnect-bot", data: .object([:]))
}
