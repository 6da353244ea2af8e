import GRDB

/// A film's video as `--prepare-seeks` sees it: where its clips start and any prepared copy.
public struct SeekFilm: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var videoPath: String
    public var seekPath: String?
    /// The starts of its clips as the player seeks to them: cue starts less the clip padding.
    public var clipStarts: [Double]
}

extension LibraryDatabase {
    /// The films with a video indexed from files under `roots`, by path.
    public func seekFilms(under roots: [String]) async throws(LibraryError) -> [SeekFilm] {
        let stored = try await storedFilms(under: roots)
        let ids = stored.values.compactMap { $0.videoPath == nil ? nil : $0.id }
        let padBefore = configuration.padBefore
        return try await read { db in
            var films: [SeekFilm] = []
            for id in ids {
                guard let row = try Row.fetchOne(db, sql: "SELECT title, videoPath, seekPath FROM film WHERE id = ?", arguments: [id]) else {
                    continue
                }
                let starts = try Double.fetchAll(db, sql: "SELECT DISTINCT start FROM cue WHERE filmId = ? ORDER BY start", arguments: [id])
                films.append(
                    SeekFilm(
                        id: id,
                        title: row["title"],
                        videoPath: row["videoPath"],
                        seekPath: row["seekPath"],
                        clipStarts: starts.map { max(0, $0 - padBefore) }
                    )
                )
            }
            return films.sorted { $0.videoPath < $1.videoPath }
        }
    }

    /// Plays `path` instead of the film's own video from now on.
    public func setSeekPath(_ path: String?, forFilm id: Int64) async throws(LibraryError) {
        try await write { db in
            try db.execute(sql: "UPDATE film SET seekPath = ? WHERE id = ?", arguments: [path, id])
        }
    }
}
