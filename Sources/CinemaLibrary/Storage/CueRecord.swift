import CinemaCore
import GRDB

/// A row of `cue`. Only speech cues are in the full-text index; the others are kept so that the
/// film's timeline stays whole.
struct CueRecord: Codable, Sendable, Equatable {
    var id: Int64
    var filmId: Int64
    var ordinal: Int
    var start: Double
    var end: Double
    var text: String
    var kind: CueKind
    /// Annotations joined by newlines; `nil` when there were none.
    var annotations: String?
    var speakerTurns: Int
    /// The next spoken cue of the film when it starts within the reply window: precomputed so
    /// that finding the line that answers this one is a single primary-key lookup.
    var replyId: Int64?
}

extension CueRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "cue"
    static let film = belongsTo(FilmRecord.self)

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let filmId = Column(CodingKeys.filmId)
        static let ordinal = Column(CodingKeys.ordinal)
        static let text = Column(CodingKeys.text)
        static let kind = Column(CodingKeys.kind)
        static let replyId = Column(CodingKeys.replyId)
    }
}

extension CueKind: DatabaseValueConvertible {}
