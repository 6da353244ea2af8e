public import CinemaCore
import CinemaStorage
public import Foundation
import GRDB

/// `backend.sqlite`: sessions and their events, in WAL mode. A write has reached the database
/// file's log when its call returns, so a process killed at any moment keeps every event it had
/// acknowledged; `synchronous = FULL` extends that to power cuts, which a gallery sees nightly.
public struct BackendDatabase: SessionStore {
    public let path: String
    private let file: SQLiteFile

    public static let fileName = "backend.sqlite"

    public static func open(path: String) throws(BackendSetupError) -> BackendDatabase {
        do {
            return BackendDatabase(file: try SQLiteFile.open(path: path, durability: .full, migrator: migrator))
        } catch {
            throw .database(error)
        }
    }

    private init(file: SQLiteFile) {
        self.path = file.path
        self.file = file
    }

    /// Frozen migrations: a shipped migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: sessions and events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE session (
                        id TEXT PRIMARY KEY,
                        station TEXT,
                        status TEXT NOT NULL,
                        endReason TEXT,
                        config TEXT,
                        baseURL TEXT NOT NULL,
                        needsHelp BOOLEAN NOT NULL DEFAULT 0,
                        needsHelpReason TEXT,
                        turns INTEGER NOT NULL DEFAULT 0,
                        lastSequence INTEGER NOT NULL DEFAULT 0,
                        createdAt DATETIME NOT NULL,
                        updatedAt DATETIME NOT NULL,
                        endedAt DATETIME
                    );
                    CREATE UNIQUE INDEX session_live_station ON session(station) WHERE status != 'ended' AND station IS NOT NULL;
                    CREATE INDEX session_created ON session(createdAt);
                    CREATE TABLE event (
                        sessionId TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                        sequence INTEGER NOT NULL,
                        at DATETIME NOT NULL,
                        type TEXT NOT NULL,
                        data TEXT NOT NULL,
                        PRIMARY KEY (sessionId, sequence)
                    ) WITHOUT ROWID;
                    """
            )
        }
        return migrator
    }

    public func create(_ session: SessionRecord, events: [SessionEvent]) async throws(SessionStoreError) {
        let busy: String? = try await write { db in
            if let station = session.station,
                let live = try SessionRecord.filter(SessionRecord.Columns.station == station && SessionRecord.Columns.status != SessionStatus.ended)
                    .fetchOne(db)
            {
                return live.id
            }
            try session.insert(db)
            for event in events { try EventRecord(event).insert(db) }
            return nil
        }
        if let busy, let station = session.station { throw .stationBusy(station: station, liveSession: busy) }
    }

    public func append(_ events: [SessionEvent], session: SessionRecord) async throws(SessionStoreError) {
        try await write { db in
            for event in events { try EventRecord(event).insert(db) }
            try session.update(db)
        }
    }

    public func session(id: String) async throws(SessionStoreError) -> SessionRecord? {
        try await read { db in try SessionRecord.fetchOne(db, key: id) }
    }

    public func sessions(_ query: SessionQuery) async throws(SessionStoreError) -> [SessionRecord] {
        try await read { db in
            var request = SessionRecord.all()
            switch query.status {
            case .all: break
            case .live: request = request.filter(SessionRecord.Columns.status != SessionStatus.ended)
            case .ended: request = request.filter(SessionRecord.Columns.status == SessionStatus.ended)
            }
            if let station = query.station { request = request.filter(SessionRecord.Columns.station == station) }
            if let cursor = query.before {
                let createdAt = SessionRecord.Columns.createdAt
                request = request.filter(createdAt < cursor.createdAt || (createdAt == cursor.createdAt && SessionRecord.Columns.id < cursor.id))
            }
            return try request.order(SessionRecord.Columns.createdAt.desc, SessionRecord.Columns.id.desc).limit(query.limit).fetchAll(db)
        }
    }

    public func events(of session: String, after: Int64) async throws(SessionStoreError) -> [SessionEvent] {
        try await read { db in
            try EventRecord
                .filter(EventRecord.Columns.sessionId == session && EventRecord.Columns.sequence > after)
                .order(EventRecord.Columns.sequence)
                .fetchAll(db)
                .map(\.event)
        }
    }

    public func deleteEnded(before date: Date) async throws(SessionStoreError) -> Int {
        try await write { db in
            // Events first: foreign-key cascades need `PRAGMA foreign_keys`, which GRDB enables,
            // but saying it keeps the intent visible.
            let ended = SessionRecord.filter(SessionRecord.Columns.status == SessionStatus.ended && SessionRecord.Columns.endedAt < date)
            let ids = try ended.select(SessionRecord.Columns.id, as: String.self).fetchAll(db)
            try EventRecord.filter(ids.contains(EventRecord.Columns.sessionId)).deleteAll(db)
            return try ended.deleteAll(db)
        }
    }

    public func counts() async throws(SessionStoreError) -> SessionCounts {
        try await read { db in
            SessionCounts(
                live: try SessionRecord.filter(SessionRecord.Columns.status != SessionStatus.ended).fetchCount(db),
                total: try SessionRecord.fetchCount(db)
            )
        }
    }

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(SessionStoreError) -> T {
        do {
            return try await file.read(body)
        } catch {
            throw .database(error)
        }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(SessionStoreError) -> T {
        do {
            return try await file.write(body)
        } catch {
            throw .database(error)
        }
    }
}
