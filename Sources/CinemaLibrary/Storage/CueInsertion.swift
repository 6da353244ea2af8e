import CinemaCore
import GRDB
import GRDBSQLite

/// Writes cues and their full-text entries: the hot path of indexing.
///
/// It binds through SQLite's C API on GRDB's cached statements. Building GRDB's
/// `StatementArguments` boxes and converts every value, which cost about a third of the time of
/// writing a film (measured in BENCHMARKS.md). These two statements are used nowhere else, and
/// the library observes no transactions, so nothing relies on GRDB seeing them run.
struct CueInsertion {
    private let database: Database
    private let cueStatement: SQLiteStatement
    private let textStatement: SQLiteStatement

    /// `transcribed`: the cues were heard in the soundtrack rather than read from subtitles.
    init(_ db: Database, transcribed: Bool = false) throws {
        database = db
        // Only transcribed cues name the column; subtitle cues take its default. That keeps the
        // statement the one an older schema takes too, which is how LibraryMigrationTests write
        // a library as an earlier release did.
        let mark = transcribed ? (column: ", transcribed", value: ", 1") : (column: "", value: "")
        cueStatement = try db.cachedStatement(
            sql: """
                INSERT INTO cue (id, filmId, ordinal, start, "end", text, kind, annotations, speakerTurns, replyId\(mark.column))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?\(mark.value))
                """
        ).sqliteStatement
        textStatement = try db.cachedStatement(sql: "INSERT INTO cue_fts (rowid, text) VALUES (?, ?)").sqliteStatement
    }

    func insert(_ cue: Cue, id: Int64, filmID: Int64, replyID: Int64?) throws {
        let statement = cueStatement
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, id)
        sqlite3_bind_int64(statement, 2, filmID)
        sqlite3_bind_int64(statement, 3, Int64(cue.ordinal))
        sqlite3_bind_double(statement, 4, cue.start)
        sqlite3_bind_double(statement, 5, cue.end)
        sqlite3_bind_int64(statement, 9, Int64(cue.speakerTurns))
        if let replyID { sqlite3_bind_int64(statement, 10, replyID) } else { sqlite3_bind_null(statement, 10) }
        let annotations = cue.annotations.isEmpty ? nil : cue.annotations.joined(separator: "\n")
        try Self.withText(cue.text) { text in
            try Self.withText(cue.kind.rawValue) { kind in
                try Self.withText(annotations ?? "") { notes in
                    sqlite3_bind_text(statement, 6, text.baseAddress, Int32(text.count), nil)
                    sqlite3_bind_text(statement, 7, kind.baseAddress, Int32(kind.count), nil)
                    if annotations == nil {
                        sqlite3_bind_null(statement, 8)
                    } else {
                        sqlite3_bind_text(statement, 8, notes.baseAddress, Int32(notes.count), nil)
                    }
                    try step(statement)
                }
            }
            guard cue.kind == .speech else { return }
            sqlite3_reset(textStatement)
            sqlite3_bind_int64(textStatement, 1, id)
            sqlite3_bind_text(textStatement, 2, text.baseAddress, Int32(text.count), nil)
            try step(textStatement)
        }
    }

    /// Bound text is used in place (no destructor: SQLite must not keep it past the step), so
    /// every step runs inside the closure that lends the bytes.
    private static func withText<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T {
        var text = text
        return try text.withUTF8 { bytes in try body(bytes) }
    }

    private func step(_ statement: SQLiteStatement) throws {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database.sqliteConnection)))
        }
    }
}
