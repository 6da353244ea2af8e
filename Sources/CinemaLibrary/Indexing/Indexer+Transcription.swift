import CinemaCore
import Foundation
import Logging

extension Indexer {
    /// Hears the soundtracks of the films among `present` that have no subtitles and are not
    /// wholly heard yet: new ones, and those an earlier run left unfinished, which go on from
    /// their last piece. A film heard to the end is not heard again until its file changes (the
    /// reading phase then resets it). Films that could not be heard stay in the library without
    /// dialogue and are listed in the report with the reason; only a failing database throws.
    func transcribeFilmsWithoutSubtitles(
        among present: Set<String>,
        into report: inout IndexReport,
        progress: @escaping @Sendable (TranscriptionProgress) -> Void
    ) async throws(LibraryError) {
        let films = try await database.filmsAwaitingTranscription(among: present)
        guard !films.isEmpty else { return }
        func leave(_ films: some Sequence<FilmRecord>, because reason: String) {
            report.withoutDialogue += films.map { IndexIssue(path: $0.sourcePath, reason: reason) }
        }
        guard let transcriber else {
            report.transcription = TranscriptionSummary(service: nil, unavailable: "no transcription service was given")
            leave(films, because: "no subtitles, and no transcription service to hear its soundtrack")
            return
        }
        var summary = TranscriptionSummary(service: transcriber.location)
        defer { report.transcription = summary }
        do {
            summary.model = try await transcriber.model()
        } catch {
            if case .cancelled = error { report.interrupted = true }
            summary.unavailable = error.description
            leave(films, because: "no subtitles, and \(error.description)")
            return
        }
        let model = summary.model ?? "unknown"
        logger.info(
            "Transcribing films without subtitles",
            metadata: [
                "transcription.films": "\(films.count)", "transcription.service": "\(transcriber.location)", "transcription.model": "\(model)",
            ]
        )

        let filmTranscriber = FilmTranscriber(
            database: database,
            reader: SoundtrackReader(ffmpeg: probe.ffmpeg),
            service: transcriber,
            configuration: transcription
        )
        let clock = ContinuousClock()
        let started = clock.now
        let total = films.reduce(0) { $0 + ($1.duration ?? 0) }
        var heardInFilmsDone = 0.0
        var heardThisRun = 0.0
        for (number, film) in films.enumerated() {
            if Task.isCancelled {
                report.interrupted = true
                leave(films[number...], because: "no subtitles; the run was stopped before its soundtrack was heard")
                break
            }
            // Seconds of this film heard; the first report is what earlier runs heard.
            var heard: Double?
            do {
                let outcome = try await filmTranscriber.transcribe(film, model: model) { seconds in
                    if let before = heard { heardThisRun += seconds - before }
                    heard = seconds
                    progress(
                        TranscriptionProgress(
                            title: film.title,
                            path: film.sourcePath,
                            film: number + 1,
                            films: films.count,
                            heard: heardInFilmsDone + seconds,
                            total: total,
                            heardThisRun: heardThisRun,
                            elapsed: (clock.now - started) / .seconds(1)
                        )
                    )
                }
                switch outcome {
                case .complete(let cues):
                    report.transcribed.append(film.title)
                    logger.info("Transcribed a film", metadata: ["film.path": "\(film.sourcePath)", "film.cues": "\(cues)"])
                case .changed:
                    leave([film], because: "its file was read again while it was being heard; run cinema index again")
                }
            } catch {
                let done = "heard as far as \(Timecode.clock(heard ?? 0))\(film.duration.map { " of \(Timecode.clock($0))" } ?? "")"
                let kept = "what was heard is kept, and cinema index goes on from there"
                switch error {
                case .library(let error):
                    throw error
                case .cancelled:
                    report.interrupted = true
                    leave([film], because: "no subtitles; stopped while its soundtrack was being \(done); \(kept)")
                    leave(films[(number + 1)...], because: "no subtitles; the run was stopped before its soundtrack was heard")
                case .soundtrack(let error):
                    report.failed.append(IndexIssue(path: film.sourcePath, reason: "could not read its soundtrack (\(done)): \(error.description)"))
                case .service(let error):
                    report.failed.append(IndexIssue(path: film.sourcePath, reason: "transcription failed (\(done)): \(error.description); \(kept)"))
                    // A service that stopped answering will not answer for the next film either.
                    if case .unreachable = error {
                        leave(films[(number + 1)...], because: "no subtitles; the transcription service stopped answering before its turn")
                    }
                }
                if report.interrupted { break }
                logger.warning("Could not transcribe a film", metadata: ["film.path": "\(film.sourcePath)", "reason": "\(error)"])
                if case .service(.unreachable) = error { break }
            }
            heardInFilmsDone += film.duration ?? heard ?? 0
        }
        summary.filmSeconds = heardThisRun
        summary.seconds = (clock.now - started) / .seconds(1)
    }
}
