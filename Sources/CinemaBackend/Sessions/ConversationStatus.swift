public import CinemaCore

/// The seed's `/conversation-status` view, derived from a session's events: the conversation as
/// a language model would see it, and the log as lines for a dashboard.
public struct ConversationStatus: Encodable, Sendable {
    public struct Message: Codable, Sendable, Equatable {
        public var role: String
        public var content: String
    }

    /// One event as the seed's dashboard showed it, with the event itself for newer ones.
    public struct DisplayMessage: Encodable, Sendable {
        public var sequence: Int64
        public var type: String
        public var timestamp: String
        public var text: String
        public var data: JSONValue
    }

    public struct Context: Encodable, Sendable {
        public var messages: [Message]
        public var displayMessages: [DisplayMessage]
        public var totalMessageCount: Int

        enum CodingKeys: String, CodingKey {
            case messages
            case displayMessages = "display_messages"
            case totalMessageCount = "total_message_count"
        }
    }

    public var identifier: String
    public var status: SessionStatus
    public var endReason: String?
    /// The last status reported through `/update-status`.
    public var reportedStatus: String?
    public var needsHelp: Bool
    public var context: Context

    enum CodingKeys: String, CodingKey {
        case identifier, status
        case endReason = "end_reason"
        case reportedStatus = "reported_status"
        case needsHelp = "needs_help"
        case context
    }

    public init(record: SessionRecord, events: [SessionEvent], lastSeen: Int64) {
        identifier = record.id
        status = record.status
        endReason = record.endReason
        needsHelp = record.needsHelp
        var messages: [Message] = []
        var reported: String?
        for event in events {
            switch event.kind {
            case .visitorText:
                if let text = event.data["text"]?.stringValue { messages.append(Message(role: "user", content: text)) }
            case .decision:
                if let clip = event.data["clip"], let text = clip["text"]?.stringValue {
                    messages.append(Message(role: "assistant", content: text))
                }
            case .status:
                reported = event.data["status"]?.stringValue ?? reported
            default:
                break
            }
        }
        reportedStatus = reported
        context = Context(
            messages: messages,
            displayMessages: events.filter { $0.sequence > lastSeen }.map {
                DisplayMessage(
                    sequence: $0.sequence,
                    type: $0.kind.rawValue,
                    timestamp: Timestamp.string($0.at),
                    text: Self.line(for: $0),
                    data: $0.data
                )
            },
            totalMessageCount: events.count
        )
    }

    /// A one-line account of an event, for people.
    static func line(for event: SessionEvent) -> String {
        let data = event.data
        func string(_ key: String) -> String { data[key]?.stringValue ?? "" }
        switch event.kind {
        case .created:
            return "Session created" + (data["station"]?.stringValue.map { " for station \($0)" } ?? "")
        case .stateChanged:
            return "State: \(string("from")) → \(string("to"))"
        case .participantJoined:
            return "The \(string("role")) joined the room"
        case .participantLeft:
            return "The \(string("role")) left the room"
        case .visitorText:
            return "Visitor: \(string("text"))"
        case .decision:
            let clip = data["clip"]
            let line = clip?["text"]?.stringValue ?? ""
            let film = clip?["film_title"]?.stringValue ?? ""
            return "TV: “\(line)” — \(film) (\(string("kind")))"
        case .clipStarted:
            return "Clip \(data["clip_id"]?.int64Value.map(String.init) ?? "?") started"
        case .clipEnded:
            return "Clip \(data["clip_id"]?.int64Value.map(String.init) ?? "?") ended (\(string("reason")))"
        case .turnDropped:
            return "Unanswered because the session ended (\(string("reason")))"
        case .status:
            return "Status: \(string("status"))"
        case .needsHelp:
            return "Needs help: \(string("reason"))"
        case .error:
            return "Error (\(string("source"))): \(string("message"))"
        case .ended:
            return "Session ended (\(string("reason")))"
        default:
            return event.kind.rawValue
        }
    }
}
