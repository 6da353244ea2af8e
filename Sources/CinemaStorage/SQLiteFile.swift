import Dispatch
public import GRDB

/// One of the installation's SQLite files (`library.sqlite`, `backend.sqlite`,
/// `station.sqlite`), opened the one way they all are: WAL, so that reads run beside the
/// writer; a busy timeout, so that another process's write is waited for rather than failed;
/// its frozen migrations applied; every failure classified the same way (`StorageError`).
public struct SQLiteFile: Sendable {
    /// How far a commit goes before it returns.
    public enum Durability: String, Sendable {
        /// Into the disk: survives a power cut (the session log, which galleries lose nightly).
        case full = "FULL"
        /// Into the WAL: survives the process dying, not the machine (data that can be rebuilt).
        case normal = "NORMAL"
    }

    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the file at `path` and brings its schema up to date, or only
    /// as far as `lastMigration` (what a test of a later migration starts from).
    public static func open(
        path: String,
        durability: Durability,
        migrator: DatabaseMigrator,
        upTo lastMigration: String? = nil
    ) throws(StorageError) -> SQLiteFile {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
        }
        configuration.busyMode = .timeout(10)
        // GRDB's default (user-initiated) has Linux's libdispatch raise its threads' priority,
        // which a service user may not: the journal got "Failed to set thread priority" every
        // 15 s under systemd. Every access is awaited from async code, so no priority is won.
        configuration.qos = .default
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if let lastMigration {
                try migrator.migrate(pool, upTo: lastMigration)
            } else {
                try migrator.migrate(pool)
            }
            return SQLiteFile(path: path, pool: pool)
        } catch {
            throw StorageError(error, path: path)
        }
    }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    public func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StorageError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StorageError(error, path: path)
        }
    }

    public func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StorageError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw StorageError(error, path: path)
        }
    }

    /// For the rare synchronous caller (a command-line tool's one-off query).
    public func readSynchronously<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StorageError(error, path: path)
        }
    }
}
