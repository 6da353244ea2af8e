import GRDB

/// A row of `transcriptionPiece`: the words heard in one stretch of a film's soundtrack, kept
/// until the whole film is done so that an interrupted run can go on from there.
struct TranscriptionPieceRecord: Codable, Sendable, Equatable {
    var filmId: Int64
    /// The fingerprint of the file the words were heard in.
    var sourceSize: Int64
    var sourceModified: Double
    /// Seconds from the start of the film.
    var start: Double
    var end: Double
    /// Stored as JSON: a piece's words are only ever read back together.
    var words: [TimedWord]
    var transcribedAt: Double
}

extension TranscriptionPieceRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "transcriptionPiece"

    enum Columns {
        static let filmId = Column(CodingKeys.filmId)
        static let sourceSize = Column(CodingKeys.sourceSize)
        static let sourceModified = Column(CodingKeys.sourceModified)
        static let start = Column(CodingKeys.start)
    }
}
