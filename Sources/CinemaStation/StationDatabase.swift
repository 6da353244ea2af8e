public import CinemaStorage
import Foundation
import GRDB

/// `station.sqlite`: the clients this station started, so that a station started again finds
/// the ones a crash left behind, and settings such as the microphone's.
public struct StationDatabase: Sendable {
    public let path: String
    private let file: SQLiteFile

    public static let fileName = "station.sqlite"

    public static func open(path: String) throws(StationError) -> StationDatabase {
        do {
            return StationDatabase(file: try SQLiteFile.open(path: path, durability: .full, migrator: migrator))
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
        migrator.registerMigration("v1: clients and settings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE client (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        pid INTEGER NOT NULL,
                        processStart INTEGER NOT NULL,
                        identifier TEXT,
                        roomURL TEXT NOT NULL,
                        backendURL TEXT NOT NULL,
                        startedAt DATETIME NOT NULL,
                        state TEXT NOT NULL,
                        restarts INTEGER NOT NULL DEFAULT 0,
                        exitCode INTEGER,
                        logPath TEXT NOT NULL
                    );
                    CREATE INDEX client_pid ON client(pid);
                    CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """
            )
        }
        return migrator
    }

    func insert(_ record: ClientRecord) async throws(StationError) -> ClientRecord {
        try await write { db in
            var record = record
            try record.insert(db)
            return record
        }
    }

    func update(_ record: ClientRecord) async throws(StationError) {
        try await write { db in try record.update(db) }
    }

    /// Every client, newest first.
    public func clients() async throws(StationError) -> [ClientRecord] {
        try await read { db in try ClientRecord.order(Column("id").desc).fetchAll(db) }
    }

    /// Clients recorded as running or restarting: after a crash of the station, perhaps orphans.
    func unfinished() async throws(StationError) -> [ClientRecord] {
        try await read { db in try ClientRecord.filter(Column("state") != ClientRecord.State.exited.rawValue).fetchAll(db) }
    }

    public func setting(_ key: String) async throws(StationError) -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func set(_ key: String, to value: String) async throws(StationError) {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value]
            )
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StationError) -> T {
        do {
            return try await file.read(body)
        } catch {
            throw .database(error)
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StationError) -> T {
        do {
            return try await file.write(body)
        } catch {
            throw .database(error)
        }
    }
}

public enum StationError: Error, CustomStringConvertible, Equatable {
    case database(StorageError)
    case spawn(String)
    /// A room or backend URL that names another backend (`given`) than the station's own.
    case wrongBackend(given: String, configured: String)
    case unknownClient(Int32)

    public var description: String {
        switch self {
        case .database(let failure): "The station's database failed: \(failure)"
        case .spawn(let detail): "Could not start the client: \(detail)"
        case .wrongBackend(let given, let configured):
            "The request names the backend \(given), but this station works for the backend \(configured) only: its clients join no other backend's rooms. Start the session on \(configured) (the dashboard this station serves does), or start the station with --backend-url \(given) if that is the backend you meant."
        case .unknownClient(let pid): "No client with PID \(pid) was started by this station. GET /api/clients lists them."
        }
    }
}
