import CinemaStorage
import CinemaTestSupport
import Foundation
import GRDB
import Testing

@Suite("The installation's SQLite files")
struct SQLiteFileTests {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: "CREATE TABLE note (text TEXT NOT NULL)") }
        migrator.registerMigration("v2") { db in try db.execute(sql: "ALTER TABLE note ADD COLUMN at TEXT") }
        return migrator
    }

    @Test("Opened in WAL with its migrations applied, or only up to one; opened again, nothing is lost")
    func openAndMigrate() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.file("notes.sqlite")
            let older = try SQLiteFile.open(path: path, durability: .full, migrator: Self.migrator, upTo: "v1")
            let columns = try await older.read { db in try db.columns(in: "note").map(\.name) }
            #expect(columns == ["text"])
            try await older.write { db in try db.execute(sql: "INSERT INTO note (text) VALUES ('kept')") }
            let file = try SQLiteFile.open(path: path, durability: .full, migrator: Self.migrator)
            #expect(try await file.read { db in try db.columns(in: "note").map(\.name) } == ["text", "at"])
            #expect(try await file.read { db in try String.fetchAll(db, sql: "SELECT text FROM note") } == ["kept"])
            #expect(try await file.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(try await file.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        }
    }

    @Test("A file that is not a database is named as such, with the fix")
    func notADatabase() async throws {
        try await TemporaryDirectory.with { directory in
            let path = try directory.write("junk.sqlite", String(repeating: "not a database at all ", count: 200))
            #expect {
                _ = try SQLiteFile.open(path: path, durability: .normal, migrator: Self.migrator)
            } throws: { error in
                let failure = error as? StorageError
                return failure?.kind == .notADatabase && failure?.description.contains("\(path) is not an SQLite database. Move it aside") == true
            }
        }
    }

    @Test("A full disk fails the write with a clear error and leaves the file as it was")
    func full() async throws {
        try await TemporaryDirectory.with { directory in
            let file = try SQLiteFile.open(path: directory.file("small.sqlite"), durability: .full, migrator: Self.migrator)
            try await file.write { db in try db.execute(sql: "INSERT INTO note (text) VALUES ('before')") }
            // SQLite's own page limit stands in for the filesystem's: the same SQLITE_FULL.
            let pages = try await file.write { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            do {
                try await file.write { db in
                    try db.execute(sql: "PRAGMA max_page_count = \(pages)")
                    for _ in 0..<200 { try db.execute(sql: "INSERT INTO note (text) VALUES (?)", arguments: [String(repeating: "x", count: 4000)]) }
                }
                Issue.record("the writes fitted")
            } catch let error as StorageError {
                #expect(error.kind == .full)
                #expect(error.description.contains("is full; nothing was written"))
            }
            #expect(try await file.read { db in try String.fetchAll(db, sql: "SELECT text FROM note") } == ["before"])
            #expect(try await file.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        }
    }
}
