import CinemaCore
import Foundation
import GRDB

/// A stretch of a film's soundtrack and the words heard in it, times from the film's start.
struct TranscribedPiece: Sendable, Equatable {
    var start: Double
    var end: Double
    var words: [TimedWord]
}

extension LibraryDatabase {
    /// The films among `sourcePaths` that have no subtitles and are not wholly transcribed.
    func filmsAwaitingTranscription(among sourcePaths: Set<String>) async throws(LibraryError) -> [FilmRecord] {
        try await read { db in
            try FilmRecord.filter(
                FilmRecord.Columns.subtitleSource == DialogueSource.none || FilmRecord.Columns.subtitleSource.like("transcribing:%")
            )
            .order(FilmRecord.Columns.sourcePath)
            .fetchAll(db)
            .filter { $0.videoPath != nil && sourcePaths.contains($0.sourcePath) }
        }
    }

    /// The pieces of `film`'s soundtrack heard so far in the file as it is now, in order.
    func transcribedPieces(of film: FilmRecord) async throws(LibraryError) -> [TranscribedPiece] {
        guard let id = film.id else { return [] }
        return try await read { db in
            try TranscriptionPieceRecord.filter(
                TranscriptionPieceRecord.Columns.filmId == id && TranscriptionPieceRecord.Columns.sourceSize == film.sourceSize
                    && TranscriptionPieceRecord.Columns.sourceModified == film.sourceModified
            )
            .order(TranscriptionPieceRecord.Columns.start)
            .fetchAll(db)
            .map { TranscribedPiece(start: $0.start, end: $0.end, words: $0.words) }
        }
    }

    /// Records one more piece of `film`'s soundtrack (if any) and the film's cues so far, in one
    /// transaction: a run stopped at any moment keeps every piece it finished, and the film is
    /// searchable as far as it has been heard. A piece replaces any stored from its start on
    /// (pieces follow one another, so those are left from an earlier hearing). `source` is the
    /// film's new `subtitleSource`; once `complete`, the pieces are let go. Returns false,
    /// saving nothing, when the film was read again or removed meanwhile.
    func saveTranscription(
        of film: FilmRecord,
        piece: TranscribedPiece?,
        cues: [Cue],
        source: String,
        complete: Bool
    ) async throws(LibraryError) -> Bool {
        guard let id = film.id else { return false }
        let replyWindow = configuration.replyWindow
        return try await write { db in
            guard var stored = try FilmRecord.fetchOne(db, key: id), stored.sourceSize == film.sourceSize,
                stored.sourceModified == film.sourceModified, DialogueSource.awaitsTranscription(stored.subtitleSource)
            else { return false }
            let pieces = TranscriptionPieceRecord.filter(TranscriptionPieceRecord.Columns.filmId == id)
            if let piece {
                try pieces.filter(TranscriptionPieceRecord.Columns.start >= piece.start).deleteAll(db)
                try TranscriptionPieceRecord(
                    filmId: id,
                    sourceSize: film.sourceSize,
                    sourceModified: film.sourceModified,
                    start: piece.start,
                    end: piece.end,
                    words: piece.words,
                    transcribedAt: Date().timeIntervalSince1970
                )
                .insert(db)
            }
            try Self.deleteCues(ofFilm: id, db)
            try Self.insert(cues, filmID: id, replyWindow: replyWindow, transcribed: true, db)
            stored.subtitleSource = source
            stored.cueCount = cues.count
            stored.indexedAt = Date().timeIntervalSince1970
            try stored.update(db)
            if complete { try pieces.deleteAll(db) }
            return true
        }
    }
}
