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
/// every view of it (`/conversation-status`, the dashboard, the live feed) is derived from them.
public struct SessionEvent: Codable, Sendable, Equatable {
    /// What happened. An open set, so that a log written by a newer version still reads.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let created = Kind(rawValue: "session-created")
        public static let stateChanged = Kind(rawValue: "state-changed")
        public static let participantJoined = Kind(rawValue: "participant-joined")
        public static let participantLeft = Kind(rawValue: "participant-left")
        /// What the visitor said (typed, spoken, or typed by the operator for them).
        public static let visitorText = Kind(rawValue: "visitor-text")
        /// The director's choice, with reasoning, candidates and timings.
        public static let decision = Kind(rawValue: "decision")
        /// Turns that got no clip because the session ended (or said goodbye) first.
        public static let turnDropped = Kind(rawValue: "turn-dropped")
        public static let clipStarted = Kind(rawValue: "clip-started")
        public static let clipEnded = Kind(rawValue: "clip-ended")
        /// A status reported from outside (`POST /update-status`).
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

    public var session: String
    /// 1, 2, 3… within the session; `last_seen` and SSE ids refer to it.
    public var sequence: Int64
    public var at: Date
    public var kind: Kind
    public var data: JSONValue

    public init(session: String, sequence: Int64, at: Date, kind: Kind, data: JSONValue) {
        self.session = session
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.data = data
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
        kind = try container.decode(Kind.self, forKey: .kind)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .null
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(session, forKey: .session)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(Timestamp.string(at), forKey: .at)
        try container.encode(kind, forKey: .kind)
        try container.encode(data, forKey: .data)
    }
}
