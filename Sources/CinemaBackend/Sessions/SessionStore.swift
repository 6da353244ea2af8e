public import CinemaCore
public import CinemaStorage
public import Foundation

/// Where sessions and their events are kept. `BackendDatabase` (SQLite) is the one in use; the
/// seam exists so that a many-backend install can keep sessions in a shared database instead.
///
/// Writes are durable when they return: the caller acknowledges nothing before that.
public protocol SessionStore: Sendable {
    /// Stores a new session with its first events. Throws `stationBusy` when its station
    /// already has a live session.
    func create(_ session: SessionRecord, events: [SessionEvent]) async throws(SessionStoreError)
    /// Appends events and saves the session row as given, in one transaction.
    func append(_ events: [SessionEvent], session: SessionRecord) async throws(SessionStoreError)
    func session(id: String) async throws(SessionStoreError) -> SessionRecord?
    /// Newest first (ties by identifier, descending), as `query` asks.
    func sessions(_ query: SessionQuery) async throws(SessionStoreError) -> [SessionRecord]
    /// The session's events with `sequence > after`, in order.
    func events(of session: String, after: Int64) async throws(SessionStoreError) -> [SessionEvent]
    /// Deletes ended sessions (and their events) that ended before `date`; returns how many.
    func deleteEnded(before date: Date) async throws(SessionStoreError) -> Int
    func counts() async throws(SessionStoreError) -> SessionCounts
}

public enum SessionListFilter: String, Sendable, CaseIterable {
    case all, live, ended
}

/// Which sessions to list: a page of them, newest first.
public struct SessionQuery: Sendable {
    public var status: SessionListFilter
    public var station: String?
    public var limit: Int
    /// Only sessions after this one in the order (the next page).
    public var before: SessionCursor?

    /// The most sessions one page of the API lists.
    public static let pageSize = 500

    public init(status: SessionListFilter = .all, station: String? = nil, limit: Int, before: SessionCursor? = nil) {
        self.status = status
        self.station = station
        self.limit = limit
        self.before = before
    }
}

/// Where a page of sessions ended: the last one's creation time and identifier, written as
/// `<milliseconds since 1970>.<identifier>`, so that a listing resumes after it even when
/// sessions are added or removed meanwhile.
public struct SessionCursor: Sendable, Equatable, CustomStringConvertible {
    public var createdAt: Date
    public var id: String

    public init(after record: SessionRecord) {
        createdAt = record.createdAt
        id = record.id
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let milliseconds = Int64(parts[0]), !parts[1].isEmpty else { return nil }
        createdAt = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        id = String(parts[1])
    }

    public var description: String { "\(Int64((createdAt.timeIntervalSince1970 * 1000).rounded())).\(id)" }
}

extension SessionStore {
    /// Newest first.
    public func sessions(status: SessionListFilter, limit: Int) async throws(SessionStoreError) -> [SessionRecord] {
        try await sessions(SessionQuery(status: status, limit: limit))
    }
}

public struct SessionCounts: Sendable, Equatable {
    public var live: Int
    public var total: Int
}

public enum SessionStoreError: Error, Equatable, CustomStringConvertible {
    /// The station already has a live session, whose identifier this carries.
    case stationBusy(station: String, liveSession: String)
    case database(StorageError)

    public var description: String {
        switch self {
        case .stationBusy(let station, let live):
            "Station '\(station)' already has a live session (\(live)). End it first (POST /api/sessions/\(live)/end), or connect with another station name."
        case .database(let failure):
            "The session database failed: \(failure)"
        }
    }
}
