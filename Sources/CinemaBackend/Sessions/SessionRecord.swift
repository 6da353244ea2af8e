public import CinemaCore
public import Foundation
public import GRDB

/// A session as stored: who asked for it, where it is in its life, and the flags the operator
/// sees. The full story is in its events.
public struct SessionRecord: Codable, Sendable, Equatable {
    public var id: String
    /// The station that asked for it; at most one live session per station.
    public var station: String?
    public var status: SessionStatus
    public var endReason: String?
    /// The seed's `config` from `/api/connect`, kept as given (JSON text).
    public var config: String?
    /// Where this session's devices reach the backend (`http://host:port`), for media URLs.
    public var baseURL: String
    public var needsHelp: Bool
    public var needsHelpReason: String?
    public var turns: Int
    public var lastSequence: Int64
    public var createdAt: Date
    public var updatedAt: Date
    public var endedAt: Date?

    public init(id: String, station: String?, config: String?, baseURL: String, createdAt: Date) {
        self.id = id
        self.station = station
        self.status = .waiting
        self.config = config
        self.baseURL = baseURL
        self.needsHelp = false
        self.turns = 0
        self.lastSequence = 0
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

extension SessionRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session"

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let station = Column(CodingKeys.station)
        static let status = Column(CodingKeys.status)
        static let createdAt = Column(CodingKeys.createdAt)
        static let endedAt = Column(CodingKeys.endedAt)
    }
}

extension SessionStatus: DatabaseValueConvertible {}

/// A row of `event`: one `SessionEvent`, its data as JSON text.
struct EventRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "event"

    var sessionId: String
    var sequence: Int64
    var at: Date
    var type: String
    var data: String

    init(_ event: SessionEvent) {
        sessionId = event.session
        sequence = event.sequence
        at = event.at
        type = event.kind.rawValue
        data = String(decoding: event.body.encodedData(), as: UTF8.self)
    }

    var event: SessionEvent {
        SessionEvent(
            session: sessionId,
            sequence: sequence,
            at: at,
            body: SessionEvent.Body(kind: SessionEvent.Kind(rawValue: type), json: Data(data.utf8))
        )
    }

    enum Columns {
        static let sessionId = Column(CodingKeys.sessionId)
        static let sequence = Column(CodingKeys.sequence)
    }
}
