import CinemaCore
import GRDB

/// A row of `film`: one indexed film and the fingerprint that tells whether it changed.
struct FilmRecord: Codable, Sendable, Equatable {
    var id: Int64?
    /// The file that identifies the film: the video, or the subtitle file for subtitle-only films.
    var sourcePath: String
    var title: String
    var videoPath: String?
    var subtitlePath: String
    var subtitleSource: String
    var duration: Double?
    var sourceSize: Int64
    var sourceModified: Double
    /// The sidecar's own fingerprint, so that editing the subtitles alone re-reads the film.
    var subtitleSize: Int64?
    var subtitleModified: Double?
    var cueCount: Int
    var skippedCues: Int
    var indexedAt: Double
}

extension FilmRecord: FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "film"
    static let cues = hasMany(CueRecord.self)

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let sourcePath = Column(CodingKeys.sourcePath)
        static let title = Column(CodingKeys.title)
        static let subtitleSource = Column(CodingKeys.subtitleSource)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    var film: Film {
        Film(
            id: id ?? 0,
            title: title,
            videoPath: videoPath,
            subtitlePath: subtitlePath,
            subtitleSource: subtitleSource,
            duration: duration,
            cueCount: cueCount
        )
    }
}
