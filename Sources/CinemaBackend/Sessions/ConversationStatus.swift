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
            switch event.body {
            case .visitorText(let said): messages.append(Message(role: "user", content: said.text))
            case .decision(let payload): messages.append(Message(role: "assistant", content: payload.clip.text))
            case .status(let status): reported = status.status
            default: break
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
                    data: $0.body.data
                )
            },
            totalMessageCount: events.count
        )
    }

    /// A one-line account of an event, for people.
    static func line(for event: SessionEvent) -> String {
        switch event.body {
        case .created(let created):
            "Session created" + (created.station.map { " for station \($0)" } ?? "")
        case .stateChanged(let change):
            "State: \(change.from.rawValue) → \(change.to.rawValue)"
        case .participantJoined(let participant):
            "The \(participant.role.rawValue) joined the room"
        case .participantLeft(let participant):
            "The \(participant.role.rawValue) left the room"
        case .visitorText(let said):
            "Visitor: \(said.text)"
        case .decision(let payload):
            "TV: “\(payload.clip.text)” — \(payload.clip.filmTitle) (\(payload.kind.rawValue))"
        case .clipStarted(let started):
            "Clip \(started.clipID) started"
        case .clipEnded(let ended):
            "Clip \(ended.clipID) ended (\(ended.reason))"
        case .turnDropped(let dropped):
            "Unanswered because the session ended (\(dropped.reason))"
        case .status(let status):
            "Status: \(status.status)"
        case .needsHelp(let help):
            "Needs help: \(help.reason)"
        case .error(let failure):
            "Error (\(failure.source.rawValue)): \(failure.message)"
        case .ended(let ended):
            "Session ended (\(ended.reason))"
        case .unrecognized(let kind, _):
            kind.rawValue
        }
    }
}
