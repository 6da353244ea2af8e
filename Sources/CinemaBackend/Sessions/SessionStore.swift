public import CinemaCore
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
    /// Newest first.
    func sessions(status: SessionListFilter, limit: Int) async throws(SessionStoreError) -> [SessionRecord]
    /// The session's events with `sequence > after`, in order.
    func events(of session: String, after: Int64) async throws(SessionStoreError) -> [SessionEvent]
    /// Deletes ended sessions (and their events) that ended before `date`; returns how many.
    func deleteEnded(before date: Date) async throws(SessionStoreError) -> Int
    func counts() async throws(SessionStoreError) -> SessionCounts
}

public enum SessionListFilter: String, Sendable, CaseIterable {
    case all, live, ended
}

public struct SessionCounts: Sendable, Equatable {
    public var live: Int
    public var total: Int
}

public enum SessionStoreError: Error, Equatable, CustomStringConvertible {
    /// The station already has a live session, whose identifier this carries.
    case stationBusy(station: String, liveSession: String)
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case .stationBusy(let station, let live):
            "Station '\(station)' already has a live session (\(live)). End it first (POST /api/sessions/\(live)/end), or connect with another station name."
        case .database(let path, let message):
            "The session database \(path) failed: \(message). Check free space and the data directory's permissions."
        }
    }
}
