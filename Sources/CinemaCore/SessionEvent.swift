import Foundation

/// Where a session is in its life. Every state but `ended` is live.
public enum SessionStatus: String, Codable, Sendable, CaseIterable {
    /// Created; the device has not said `client-ready` yet.
    case waiting
    /// The TV's opening clip is being chosen or played.
    case greeting
    /// Visitor turns and answers.
    case conversing
    /// Over, for the reason its `session-ended` event gives.
    case ended

    public var isLive: Bool { self != .ended }
}

/// One entry in a session's log. A session's history is nothing but these, in `sequence` order;
/// every view of it (`/conversation-status`, the dashboard, the live feed, a session restored
/// after a restart) is derived from them.
///
/// On the wire an event is `{"session", "sequence", "at", "type", "data"}` (PROTOCOL.md); `body`
/// is the `type` and `data` together, typed.
public struct SessionEvent: Codable, Sendable, Equatable {
    /// What happened, by its wire name. An open set, so that a log written by a newer version
    /// still reads.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let created = Kind(rawValue: "session-created")
        public static let stateChanged = Kind(rawValue: "state-changed")
        public static let participantJoined = Kind(rawValue: "participant-joined")
        public static let participantLeft = Kind(rawValue: "participant-left")
        public static let visitorText = Kind(rawValue: "visitor-text")
        public static let decision = Kind(rawValue: "decision")
        public static let turnDropped = Kind(rawValue: "turn-dropped")
        public static let clipStarted = Kind(rawValue: "clip-started")
        public static let clipEnded = Kind(rawValue: "clip-ended")
        public static let status = Kind(rawValue: "status")
        public static let needsHelp = Kind(rawValue: "needs-help")
        public static let error = Kind(rawValue: "error")
        public static let ended = Kind(rawValue: "session-ended")

        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// What happened, with what it carries.
    public enum Body: Sendable, Equatable {
        case created(Created)
        case stateChanged(StateChange)
        case participantJoined(Participant)
        case participantLeft(Participant)
        /// What the visitor said (typed, spoken, or typed by the operator for them).
        case visitorText(VisitorText)
        /// The director's choice, with reasoning, candidates and timings.
        case decision(DecisionPayload)
        /// Turns that got no clip because the session ended (or said goodbye) first.
        case turnDropped(TurnDropped)
        case clipStarted(ClipStarted)
        case clipEnded(ClipEnded)
        /// A status reported from outside (`POST /update-status`).
        case status(ReportedStatus)
        case needsHelp(NeedsHelp)
        case error(Failure)
        case ended(Ended)
        /// A kind this version does not know, or one whose data it cannot read (a log written
        /// by another version): kept as it was, shown, and otherwise left alone.
        case unrecognized(Kind, JSONValue)

        public var kind: Kind {
            switch self {
            case .created: .created
            case .stateChanged: .stateChanged
            case .participantJoined: .participantJoined
            case .participantLeft: .participantLeft
            case .visitorText: .visitorText
            case .decision: .decision
            case .turnDropped: .turnDropped
            case .clipStarted: .clipStarted
            case .clipEnded: .clipEnded
            case .status: .status
            case .needsHelp: .needsHelp
            case .error: .error
            case .ended: .ended
            case .unrecognized(let kind, _): kind
            }
        }
    }

    public var session: String
    /// 1, 2, 3… within the session; `last_seen` and SSE ids refer to it.
    public var sequence: Int64
    public var at: Date
    public var body: Body

    public var kind: Kind { body.kind }

    public init(session: String, sequence: Int64, at: Date, body: Body) {
        self.session = session
        self.sequence = sequence
        self.at = at
        self.body = body
    }

    enum CodingKeys: String, CodingKey {
        case session, sequence, at
        case kind = "type"
        case data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        session = try container.decode(String.self, forKey: .session)
        sequence = try container.decode(Int64.self, forKey: .sequence)
        let stamp = try container.decode(String.self, forKey: .at)
        guard let date = Timestamp.date(stamp) else {
            throw DecodingError.dataCorruptedError(forKey: .at, in: container, debugDescription: "'\(stamp)' is not an ISO 8601 time")
        }
        at = date
        let kind = try container.decode(Kind.self, forKey: .kind)
        body = Body(kind: kind) { type in try container.decode(type, forKey: .data) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(session, forKey: .session)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(Timestamp.string(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encode(body.payload, forKey: .data)
    }
}

extension SessionEvent.Body {
    /// Reads a body from its kind and its data, wherever the data comes from (an event's JSON,
    /// a database row). Data that does not read as its kind's is kept unrecognized rather than
    /// failing the whole log.
    public init(kind: SessionEvent.Kind, data read: (any Decodable.Type) throws -> any Decodable) {
        func typed<Payload: Decodable>(_ make: (Payload) -> Self) -> Self? {
            (try? read(Payload.self) as? Payload).map(make)
        }
        let body: Self? =
            switch kind {
            case .created: typed(Self.created)
            case .stateChanged: typed(Self.stateChanged)
            case .participantJoined: typed(Self.participantJoined)
            case .participantLeft: typed(Self.participantLeft)
            case .visitorText: typed(Self.visitorText)
            case .decision: typed(Self.decision)
            case .turnDropped: typed(Self.turnDropped)
            case .clipStarted: typed(Self.clipStarted)
            case .clipEnded: typed(Self.clipEnded)
            case .status: typed(Self.status)
            case .needsHelp: typed(Self.needsHelp)
            case .error: typed(Self.error)
            case .ended: typed(Self.ended)
            default: nil
            }
        self = body ?? .unrecognized(kind, (try? read(JSONValue.self) as? JSONValue) ?? .null)
    }

    /// Reads a body from its kind and its data's JSON text (a database row).
    public init(kind: SessionEvent.Kind, json: Data) {
        let decoder = JSONDecoder()
        self.init(kind: kind) { type in try decoder.decode(type, from: json) }
    }

    /// The data's JSON text: keys sorted, as the log has always stored it.
    public func encodedData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The payloads are strings, numbers and objects: encoding them cannot fail.
        return (try? encoder.encode(payload)) ?? Data("null".utf8)
    }

    /// The data as JSON values, for the views that show any event's data as it is.
    public var data: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: encodedData())) ?? .null
    }

    /// What the event carries, as its `data`.
    public var payload: any Encodable & Sendable {
        switch self {
        case .created(let payload): payload
        case .stateChanged(let payload): payload
        case .participantJoined(let payload), .participantLeft(let payload): payload
        case .visitorText(let payload): payload
        case .decision(let payload): payload
        case .turnDropped(let payload): payload
        case .clipStarted(let payload): payload
        case .clipEnded(let payload): payload
        case .status(let payload): payload
        case .needsHelp(let payload): payload
        case .error(let payload): payload
        case .ended(let payload): payload
        case .unrecognized(_, let data): data
        }
    }
}
