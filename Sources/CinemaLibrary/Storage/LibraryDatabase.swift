public import CinemaCore
import CinemaStorage
import Foundation
import GRDB

/// The film library on disk: `library.sqlite` with films, cues and a full-text index of what is
/// said. Safe to share between tasks; reads run concurrently (WAL), writes one at a time.
public struct LibraryDatabase: Sendable {
    public let path: String
    public let configuration: LibraryConfiguration
    private let file: SQLiteFile

    /// Opens (creating if needed) the library at `path` and brings its schema up to date.
    public static func open(
        path: String,
        configuration: LibraryConfiguration = LibraryConfiguration()
    ) throws(LibraryError)
        -> LibraryDatabase
    {
        try open(path: path, configuration: configuration, migratingUpTo: nil)
    }

    /// Opens the library with its schema brought only as far as `lastMigration`, as an older
    /// release left it: what tests of a later migration start from.
    static func open(
        path: String,
        configuration: LibraryConfiguration,
        migratingUpTo lastMigration: String?
    ) throws(LibraryError)
        -> LibraryDatabase
    {
        // WAL commits need not wait for the disk: a crash loses at most the last index run.
        do {
            let file = try SQLiteFile.open(path: path, durability: .normal, migrator: Self.migrator, upTo: lastMigration)
            return LibraryDatabase(path: path, configuration: configuration, file: file)
        } catch {
            throw LibraryError(error, path: path)
        }
    }

    private init(path: String, configuration: LibraryConfiguration, file: SQLiteFile) {
        self.path = path
        self.configuration = configuration
        self.file = file
    }

    // MARK: Schema

    /// Frozen migrations: a shipped migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: films, cues, full-text index") { db in
            try db.execute(
                sql: """
                    CREATE TABLE film (
                        id INTEGER PRIMARY KEY,
                        sourcePath TEXT NOT NULL UNIQUE,
                        title TEXT NOT NULL,
                        videoPath TEXT,
                        subtitlePath TEXT NOT NULL,
                        subtitleSource TEXT NOT NULL,
                        duration REAL,
                        sourceSize INTEGER NOT NULL,
                        sourceModified REAL NOT NULL,
                        subtitleSize INTEGER,
                        subtitleModified REAL,
                        cueCount INTEGER NOT NULL,
                        skippedCues INTEGER NOT NULL,
                        indexedAt REAL NOT NULL
                    );
                    CREATE TABLE cue (
                        id INTEGER PRIMARY KEY,
                        filmId INTEGER NOT NULL REFERENCES film(id) ON DELETE CASCADE,
                        ordinal INTEGER NOT NULL,
                        start REAL NOT NULL,
                        "end" REAL NOT NULL,
                        text TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        annotations TEXT,
                        speakerTurns INTEGER NOT NULL,
                        replyId INTEGER,
                        UNIQUE (filmId, ordinal)
                    );
                    CREATE VIRTUAL TABLE cue_fts USING fts5(
                        text,
                        content = 'cue',
                        content_rowid = 'id',
                        tokenize = 'porter unicode61 remove_diacritics 2'
                    );
                    """
            )
        }
        migrator.registerMigration("v2: no cue shorter than 100 ms or longer than 1000 characters") { db in
            // Cues an older indexer kept that SubtitleLimits now leaves out (a 20 MB line, a 1 ms
            // cue), so that no library, however old, can hand one out as a clip. The figures are
            // written out, not read from SubtitleLimits: a shipped migration must keep doing
            // the same thing whatever the constants become.
            let refused = #"length(text) + coalesce(length(annotations), 0) > 1000 OR round(("end" - start) * 1000) < 100"#
            try db.execute(
                sql: """
                    INSERT INTO cue_fts(cue_fts, rowid, text) SELECT 'delete', id, text FROM cue WHERE kind = 'speech' AND (\(refused));
                    UPDATE cue SET replyId = NULL WHERE replyId IN (SELECT id FROM cue WHERE \(refused));
                    UPDATE film SET
                        cueCount = cueCount - (SELECT count(*) FROM cue WHERE cue.filmId = film.id AND (\(refused))),
                        skippedCues = skippedCues + (SELECT count(*) FROM cue WHERE cue.filmId = film.id AND (\(refused))),
                        -- A changed fingerprint: the next index run reads the film again, and
                        -- links its replies over the cues that are left.
                        sourceModified = -1
                    WHERE id IN (SELECT filmId FROM cue WHERE \(refused));
                    DELETE FROM cue WHERE \(refused);
                    """
            )
        }
        migrator.registerMigration("v3: cues transcribed from the soundtrack, and the pieces done so far") { db in
            // A film without subtitles gets its dialogue from a speech model, a piece of its
            // soundtrack at a time. Each piece's words are kept until the whole film is done, so
            // that an interrupted run goes on from the last piece instead of starting again; the
            // fingerprint says which version of the file they were heard in.
            try db.execute(
                sql: """
                    ALTER TABLE cue ADD COLUMN transcribed INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE transcriptionPiece (
                        filmId INTEGER NOT NULL REFERENCES film(id) ON DELETE CASCADE,
                        sourceSize INTEGER NOT NULL,
                        sourceModified REAL NOT NULL,
                        start REAL NOT NULL,
                        "end" REAL NOT NULL,
                        words TEXT NOT NULL,
                        transcribedAt REAL NOT NULL,
                        PRIMARY KEY (filmId, start)
                    );
                    """
            )
        }
        migrator.registerMigration("v4: an embedding of each spoken line") { db in
            // One vector per cue, of the model named beside it: a line embedded again by
            // another model replaces its vector, so that models are never mixed. Cues deleted
            // when a film is read again take their vectors with them.
            try db.execute(
                sql: """
                    CREATE TABLE lineEmbedding (
                        cueId INTEGER PRIMARY KEY REFERENCES cue(id) ON DELETE CASCADE,
                        model TEXT NOT NULL,
                        vector BLOB NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v5: a copy of the video prepared for quick clip starts") { db in
            // Beside the original, re-encoded with a keyframe at each clip's start; played
            // instead of it. Cleared when the film is read again (its file changed).
            try db.execute(sql: "ALTER TABLE film ADD COLUMN seekPath TEXT")
        }
        return migrator
    }

    // MARK: Reading the library

    public func statistics() async throws(LibraryError) -> LibraryStatistics {
        try await read { db in
            let films = try FilmRecord.fetchCount(db)
            let cues = try CueRecord.fetchCount(db)
            let spoken = try CueRecord.filter(CueRecord.Columns.kind == CueKind.speech).fetchCount(db)
            return LibraryStatistics(films: films, cues: cues, spokenCues: spoken)
        }
    }

    /// Every spoken line in the library, in film order: what a language model of the library's
    /// own dialogue is built from.
    public func spokenLines() async throws(LibraryError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                CueRecord.select(CueRecord.Columns.text).filter(CueRecord.Columns.kind == CueKind.speech)
                    .order(CueRecord.Columns.filmId, CueRecord.Columns.ordinal)
            )
        }
    }

    public func films() async throws(LibraryError) -> [Film] {
        try await read { db in
            try FilmRecord.order(FilmRecord.Columns.title.collating(.localizedCaseInsensitiveCompare)).fetchAll(db).map(\.film)
        }
    }

    public func film(id: Int64) async throws(LibraryError) -> Film? {
        try await read { db in try FilmRecord.fetchOne(db, key: id)?.film }
    }

    /// The clip of one cue, padded and clamped to its film.
    public func clip(id: Int64) async throws(LibraryError) -> Clip? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: Self.clipSelect + " WHERE cue.id = ?"), arguments: [id]).map(makeClip)
        }
    }

    /// The line that answers a cue: the next spoken cue of the same film, when it starts within
    /// the reply window. One primary-key lookup, precomputed at indexing time.
    public func reply(to clipID: Int64) async throws(LibraryError) -> Clip? {
        try await read { db in
            try Row.fetchOne(
                db.cachedStatement(sql: Self.clipSelect + " JOIN cue AS asked ON asked.replyId = cue.id WHERE asked.id = ?"),
                arguments: [clipID]
            ).map(makeClip)
        }
    }

    /// Spoken lines that match the text, best first. Any text is a valid query.
    public func search(_ text: String, limit: Int? = nil) async throws(LibraryError) -> [Clip] {
        try await search(SearchQuery(text), limit: limit)
    }

    public func search(_ query: SearchQuery, limit: Int? = nil) async throws(LibraryError) -> [Clip] {
        let limit = max(1, limit ?? configuration.searchLimit)
        return try await read { db in try clips(matching: query, limit: limit, in: db) }
    }

    /// Several searches in one read: one trip to a reader instead of one per query, which is
    /// what a director's turn costs most under load.
    public func search(_ texts: [String], limit: Int? = nil) async throws(LibraryError) -> [[Clip]] {
        let limit = max(1, limit ?? configuration.searchLimit)
        let queries = texts.map(SearchQuery.init)
        return try await read { db in try queries.map { try clips(matching: $0, limit: limit, in: db) } }
    }

    private func clips(matching query: SearchQuery, limit: Int, in db: Database) throws -> [Clip] {
        let hits = try ClipSearch.hits(for: query, limit: limit, in: db)
        guard !hits.isEmpty else { return [] }
        let clips = try clips(withIDs: hits.map(\.id), in: db)
        return hits.compactMap { hit in
            clips[hit.id].map { clip in
                var clip = clip
                clip.score = hit.score
                return clip
            }
        }
    }

    /// The clips of `ids` (cues found another way, such as by meaning), padded and clamped as
    /// search pads them, by id; ids that are not in the library are absent.
    public func clips(withIDs ids: [Int64]) async throws(LibraryError) -> [Int64: Clip] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in try clips(withIDs: ids, in: db) }
    }

    private func clips(withIDs ids: [Int64], in db: Database) throws -> [Int64: Clip] {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: Self.clipSelect + " WHERE cue.id IN (SELECT value FROM json_each(?))"),
            arguments: [ClipSearch.jsonArray(ids)]
        )
        return Dictionary(uniqueKeysWithValues: rows.map { row in (row["id"] as Int64, makeClip(row)) })
    }

    private static let clipColumns = """
        cue.id, cue.filmId, cue.start, cue."end", cue.text, cue.transcribed, film.title, COALESCE(film.seekPath, film.videoPath) AS videoPath, film.duration
        """
    private static let clipSelect = "SELECT \(clipColumns) FROM cue JOIN film ON film.id = cue.filmId"

    private func makeClip(_ row: Row) -> Clip {
        makeClip(
            id: row["id"],
            filmID: row["filmId"],
            title: row["title"],
            videoPath: row["videoPath"],
            duration: row["duration"],
            cueStart: row["start"],
            cueEnd: row["end"],
            text: row["text"],
            transcribed: row["transcribed"]
        )
    }

    /// A span of film padded so that no word is cut, and clamped to the film.
    private func makeClip(
        id: Int64,
        filmID: Int64,
        title: String,
        videoPath: String?,
        duration: Double?,
        cueStart: Double,
        cueEnd: Double,
        text: String,
        transcribed: Bool
    ) -> Clip {
        var end = cueEnd + configuration.padAfter
        if let duration, duration > 0 { end = min(end, duration) }
        let start = max(0, cueStart - configuration.padBefore)
        return Clip(
            id: id,
            filmID: filmID,
            filmTitle: title,
            videoPath: videoPath,
            start: start,
            end: max(end, min(cueEnd, duration ?? cueEnd)),
            cueStart: cueStart,
            cueEnd: cueEnd,
            text: text,
            transcribed: transcribed
        )
    }

    /// The first spoken clip at or after `id` (wrapping to the start) whose speech lasts
    /// between `minSpeech` and `maxSpeech`: a last resort when nothing else can be played.
    public func spokenClip(atOrAfter id: Int64, minSpeech: Double, maxSpeech: Double) async throws(LibraryError) -> Clip? {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: Self.clipSelect
                    + " WHERE cue.id >= ? AND cue.kind = 'speech' AND cue.\"end\" - cue.start BETWEEN ? AND ? ORDER BY cue.id LIMIT 1"
            )
            let row =
                try Row.fetchOne(statement, arguments: [id, minSpeech, maxSpeech])
                ?? Row.fetchOne(statement, arguments: [0, minSpeech, maxSpeech])
            return row.map(makeClip)
        }
    }

    /// The highest clip id in the library (0 when empty).
    public func maxClipID() async throws(LibraryError) -> Int64 {
        try await read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM cue")) ?? 0 }
    }

    // MARK: Utterances

    /// The clip of a cue, extended over the cues that finish its sentence: subtitles often split
    /// one sentence over two or three cues, and a clip that stops mid-sentence answers nobody.
    public func utterance(from clipID: Int64, maxSpeech: Double = 8) async throws(LibraryError) -> Clip? {
        try await read { db in try utterance(from: clipID, maxSpeech: maxSpeech, db) }
    }

    /// For each of `clipIDs`, the line that answers it (see `reply(to:)`) as a whole utterance,
    /// all in one read. Clips without a reply are absent from the result.
    public func replies(to clipIDs: [Int64], maxSpeech: Double = 8) async throws(LibraryError) -> [Int64: Clip] {
        guard !clipIDs.isEmpty else { return [:] }
        return try await read { db in
            let pairs = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT id, replyId FROM cue WHERE id IN (SELECT value FROM json_each(?)) AND replyId IS NOT NULL"),
                arguments: [ClipSearch.jsonArray(clipIDs)]
            )
            var replies: [Int64: Clip] = [:]
            for pair in pairs {
                if let reply = try utterance(from: pair["replyId"], maxSpeech: maxSpeech, db) { replies[pair["id"]] = reply }
            }
            return replies
        }
    }

    private func utterance(from clipID: Int64, maxSpeech: Double, _ db: Database) throws -> Clip? {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT \(Self.clipColumns), cue.kind
                    FROM cue JOIN film ON film.id = cue.filmId JOIN cue AS first ON first.id = ?
                    WHERE cue.filmId = first.filmId AND cue.ordinal BETWEEN first.ordinal AND first.ordinal + 3
                    ORDER BY cue.ordinal
                    """
            ),
            arguments: [clipID]
        )
        guard let first = rows.first else { return nil }
        let pieces = rows.map {
            UtteranceMerger.Piece(start: $0["start"], end: $0["end"], text: $0["text"], isSpeech: $0["kind"] == CueKind.speech.rawValue)
        }
        let merged = UtteranceMerger.merge(pieces, maxSpeech: maxSpeech)
        return makeClip(
            id: first["id"],
            filmID: first["filmId"],
            title: first["title"],
            videoPath: first["videoPath"],
            duration: first["duration"],
            cueStart: merged.start,
            cueEnd: merged.end,
            text: merged.text,
            transcribed: first["transcribed"]
        )
    }

    // MARK: Writing the library

    /// The fingerprints of the films indexed from files under `roots`, by source path.
    func storedFilms(under roots: [String]) async throws(LibraryError) -> [String: FilmRecord] {
        try await read { db in
            var films: [String: FilmRecord] = [:]
            for root in roots {
                let prefix = root.hasSuffix("/") ? root : root + "/"
                let request = FilmRecord.filter(
                    FilmRecord.Columns.sourcePath == root || FilmRecord.Columns.sourcePath.like(Self.likePattern(prefix: prefix), escape: "\\")
                )
                for film in try request.fetchAll(db) { films[film.sourcePath] = film }
            }
            return films
        }
    }

    private static func likePattern(prefix: String) -> String {
        var escaped = ""
        for character in prefix {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped + "%"
    }

    /// Stores a film and its cues, replacing the cues of the film with the same source path.
    /// Returns the film's id.
    @discardableResult
    func save(_ film: FilmRecord, cues: [Cue]) async throws(LibraryError) -> Int64 {
        let replyWindow = configuration.replyWindow
        return try await write { db in
            var film = film
            if let existing = try FilmRecord.filter(FilmRecord.Columns.sourcePath == film.sourcePath).fetchOne(db) {
                try Self.deleteCues(ofFilm: existing.id!, db)
                // The file was read again, so it changed or gained subtitles: pieces of its
                // soundtrack heard before are no longer its.
                try TranscriptionPieceRecord.filter(TranscriptionPieceRecord.Columns.filmId == existing.id!).deleteAll(db)
                film.id = existing.id
                try film.update(db)
                // A copy prepared for seeking was made from the file as it was.
                try db.execute(sql: "UPDATE film SET seekPath = NULL WHERE id = ?", arguments: [existing.id!])
            } else {
                film.id = nil
                try film.insert(db)
            }
            try Self.insert(cues, filmID: film.id!, replyWindow: replyWindow, db)
            return film.id!
        }
    }

    func removeFilms(ids: [Int64]) async throws(LibraryError) {
        guard !ids.isEmpty else { return }
        try await write { db in
            for id in ids {
                try Self.deleteCues(ofFilm: id, db)
                _ = try FilmRecord.deleteOne(db, key: id)
            }
        }
    }

    /// Merges the full-text index into one segment; worth it after a large index run.
    func optimizeSearchIndex() async throws(LibraryError) {
        try await write { db in
            try db.execute(sql: "INSERT INTO cue_fts(cue_fts) VALUES ('optimize')")
        }
    }

    /// Asks FTS5 to verify that the index matches the cues table; throws if it does not.
    func checkSearchIndexIntegrity() async throws(LibraryError) {
        // FTS5 takes its commands as INSERTs, so even this check needs the writer.
        try await write { db in
            try db.execute(sql: "INSERT INTO cue_fts(cue_fts, rank) VALUES ('integrity-check', 1)")
        }
    }

    static func deleteCues(ofFilm filmID: Int64, _ db: Database) throws {
        // An external-content index forgets a row only when told its old text.
        try db.execute(
            sql: "INSERT INTO cue_fts(cue_fts, rowid, text) SELECT 'delete', id, text FROM cue WHERE filmId = ? AND kind = ?",
            arguments: [filmID, CueKind.speech]
        )
        try db.execute(sql: "DELETE FROM cue WHERE filmId = ?", arguments: [filmID])
    }

    static func insert(_ cues: [Cue], filmID: Int64, replyWindow: Double, transcribed: Bool = false, _ db: Database) throws {
        let firstID = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM cue")) ?? 0) + 1
        let replies = ReplyLinker.replies(for: cues, window: replyWindow)
        let insertion = try CueInsertion(db, transcribed: transcribed)
        for (offset, cue) in cues.enumerated() {
            try insertion.insert(cue, id: firstID + Int64(offset), filmID: filmID, replyID: replies[offset].map { firstID + Int64($0) })
        }
    }

    // MARK: Access

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(LibraryError) -> T {
        do {
            return try await file.read(body)
        } catch {
            throw LibraryError(error, path: path)
        }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(LibraryError) -> T {
        do {
            return try await file.write(body)
        } catch {
            throw LibraryError(error, path: path)
        }
    }
}

public struct LibraryStatistics: Sendable, Equatable, Codable {
    public var films: Int
    public var cues: Int
    public var spokenCues: Int
}

/// Links each spoken cue to the spoken cue that follows it, when it follows closely enough to be
/// an answer rather than a new scene.
enum ReplyLinker {
    /// For each cue, the offset of its reply in `cues`, or `nil`.
    static func replies(for cues: [Cue], window: Double) -> [Int?] {
        var replies = [Int?](repeating: nil, count: cues.count)
        var nextSpoken: Int?
        for index in cues.indices.reversed() {
            let cue = cues[index]
            guard cue.kind == .speech else { continue }
            if let next = nextSpoken, cues[next].start - cue.end <= window {
                replies[index] = next
            }
            nextSpoken = index
        }
        return replies
    }
}
