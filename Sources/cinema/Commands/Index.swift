import ArgumentParser
import CinemaCore
import CinemaLibrary
import Foundation
import UnixSignals

struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Index folders of films by their dialogue.",
        discussion: """
            Finds video files (mp4, mkv, avi, mov, m4v, webm, mpg) and their subtitles: a file of the
            same name beside the video (NAME.srt, NAME.en.srt, .vtt, .ass) or a text subtitle stream
            inside it. A film with neither is heard instead: its soundtrack is transcribed, with the
            time of every word, by the model service (CINEMA_WHISPER_BASE_URL, by default
            http://127.0.0.1:8790/v1), and its lines are marked as transcribed. That takes a while:
            Ctrl-C keeps every piece already heard, and running again goes on from there.
            Then every spoken line without one gets a sentence embedding (all-MiniLM-L6-v2 from the
            model service, or the OpenAI-compatible server CINEMA_EMBEDDINGS_URL names), so that the
            director can find lines by meaning; without it the director answers by words only.
            Films whose keyframes are too far apart for clips to start quickly are named; with
            --prepare-seeks each is re-encoded once, beside the original (NAME.seek.mp4, the
            original untouched), with a keyframe at every clip's start, and played instead.
            Runs again skip unchanged files, re-read changed ones and drop removed ones.
            Links are followed; named pipes, sockets and devices are reported and never opened.
            Exits with status 1 when any file or folder could not be read, 130 when stopped.
            """
    )

    @Argument(help: ArgumentHelp("Folders (or single files) to index.", valueName: "dir"))
    var paths: [String]

    @Flag(help: "Index bare subtitle files (.srt, .vtt, .ass) as films without video.")
    var subtitlesOnly = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Do not embed the spoken lines (the director then finds lines by their words only).")
    var noEmbeddings = false

    @Flag(help: "Re-encode films with sparse keyframes once, beside the original, so that clips start quickly.")
    var prepareSeeks = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try await global.context()
        let library = try context.openLibrary()
        let display = ProgressDisplay()
        display.note("Indexing \(paths.joined(separator: ", ")) into \(library.path)")
        let local = try LocalModelService.installed(context)
        let transcriber = TranscriptionService.transcriber(context, local: local)
        let embedder = noEmbeddings || !EmbeddingService.enabled(context) ? nil : EmbeddingService.embedder(context, local: local)
        let model = EmbeddingService.model(context)
        let report = try await Self.stoppable(display: display) { [paths, subtitlesOnly, model, prepareSeeks] in
            var report = try await context.index(paths, subtitlesOnly: subtitlesOnly, into: library, display: display, transcriber: transcriber)
            if let embedder, !report.interrupted {
                report.embedding = try await library.embedLines(with: embedder, model: model, display: display)
                report.interrupted = report.embedding?.interrupted ?? false
            }
            // Last: re-encoding can take hours, and the library is whole without it.
            if !report.interrupted, !subtitlesOnly {
                report.seeks = try await context.surveySeeks(paths, in: library, prepare: prepareSeeks, display: display)
                report.interrupted = report.seeks?.interrupted ?? false
            }
            return report
        }
        await local?.stop()
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(try await IndexSummary.text(for: report, library: library))
        }
        if report.interrupted { throw ExitCode(130) }
        if report.hasFailures { throw ExitCode.failure }
    }

    /// Runs `index` until it is done or Ctrl-C (or SIGTERM) stops it: then it is cancelled, and
    /// keeps what it finished (every film read, every piece of soundtrack heard) and says so in
    /// its report, which is still printed.
    private static func stoppable(
        display: ProgressDisplay,
        _ index: @escaping @Sendable () async throws -> IndexReport
    ) async throws -> IndexReport {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: IndexReport?.self) { group in
            group.addTask { try await index() }
            group.addTask {
                for await _ in signals {
                    display.note("Stopping: what is done is kept…")
                    return nil
                }
                return nil
            }
            while let next = try await group.next() {
                group.cancelAll()
                if let report = next { return report }
            }
            throw CancellationError()
        }
    }
}

extension CommandContext {
    /// Indexes `paths` into `library`, showing a step per file on `display`, then, given a
    /// `transcriber`, hears the films without subtitles, with how long is left.
    func index(
        _ paths: [String],
        subtitlesOnly: Bool = false,
        into library: LibraryDatabase,
        display: ProgressDisplay,
        transcriber: (any SoundtrackTranscriber)? = nil
    ) async throws
        -> IndexReport
    {
        let indexer = Indexer(
            database: library,
            probe: MediaProbe(configuration: libraryConfiguration),
            logger: logger,
            transcriber: transcriber,
            transcription: TranscriptionConfiguration(reader: reader)
        )
        let report = try await indexer.index(paths, subtitlesOnly: subtitlesOnly) { step in
            display.update(
                completed: step.completed,
                total: step.total,
                label: "\(step.outcome.rawValue) \((step.path as NSString).lastPathComponent)"
            )
        } transcriptionProgress: { step in
            display.update(fraction: step.total > 0 ? step.heard / step.total : 0, status: TranscriptionStatus.text(step), label: step.title)
        }
        display.finish()
        return report
    }
}

extension CommandContext {
    /// Reads each film's keyframes, naming those too sparse for quick clip starts, and with
    /// `prepare` re-encodes them, one step of the bar per film.
    func surveySeeks(_ paths: [String], in library: LibraryDatabase, prepare: Bool, display: ProgressDisplay) async throws -> SeekReport {
        let preparation = SeekPreparation(database: library, configuration: libraryConfiguration)
        let report = try await preparation.run(under: paths, prepare: prepare) { step in
            let name = (step.path as NSString).lastPathComponent
            if let encoded = step.encoded {
                // Plain lines (a log) get a line each tenth of a film; a terminal's bar every percent.
                guard display.isTerminal || Int(encoded * 100) % 10 == 0 else { return }
                var status = "\(step.completed)/\(step.total) films · \(Int(encoded * 100))% of this one"
                if let remaining = step.remaining { status += " · ETA \(Timecode.clock(remaining / .seconds(1)))" }
                display.update(fraction: step.fraction, status: status, label: "re-encoding \(name)")
                return
            }
            display.update(completed: step.completed, total: step.total, label: "\(step.action) \(name)")
            if step.action == "sparse keyframes" {
                display.note("\(step.path): keyframes too far apart for quick clip starts; run cinema index --prepare-seeks to fix")
            }
        }
        display.finish()
        return report
    }
}

extension LibraryDatabase {
    /// Embeds the lines that have no vector of the embedder's model, with a bar (count and time
    /// left); when the embedder is missing or fails, says why in the report instead of failing
    /// the run: the library is whole without vectors, the director then finds lines by words.
    func embedLines(
        with embedder: Result<any LineEmbedder, EmbeddingError>,
        model: String,
        display: ProgressDisplay
    ) async throws -> EmbeddingReport {
        do {
            let found = try embedder.get()
            let report = try await embedLines(with: found) { step in
                var status = "\(step.completed)/\(step.total) lines"
                if let remaining = step.remaining { status += " · ETA \(Timecode.clock(remaining))" }
                display.update(
                    fraction: step.total > 0 ? Double(step.completed) / Double(step.total) : 1,
                    status: status,
                    label: "embedding (\(model))"
                )
            }
            display.finish()
            return report
        } catch let error as EmbeddingError {
            display.finish()
            var report = try await embeddingStatus(model: model)
            report.unavailable = error.description
            return report
        }
    }
}

/// How far hearing soundtracks has gone, in a few words: `0:50/1:51 of film · 3.6× · 0:17 left`.
enum TranscriptionStatus {
    static func text(_ step: TranscriptionProgress) -> String {
        var parts = ["\(Timecode.clock(step.heard))/\(Timecode.clock(step.total)) of film"]
        if step.films > 1 { parts.append("film \(step.film) of \(step.films)") }
        if let speed = step.speed, let remaining = step.remaining {
            parts.append(String(format: "%.1f× real time", speed))
            parts.append("ETA \(Timecode.clock(remaining))")
        }
        return parts.joined(separator: " · ")
    }
}

/// The end-of-run summary a person reads.
struct IndexSummary {
    static func text(for report: IndexReport, library: LibraryDatabase) async throws -> String {
        IndexSummary(report: report, statistics: try await library.statistics(), libraryPath: library.path).text
    }

    let report: IndexReport
    let statistics: LibraryStatistics
    let libraryPath: String

    var text: String {
        var lines: [String] = []
        let films = report.added.count + report.updated.count + report.unchanged
        lines.append(
            "Indexed \(films) \(films == 1 ? "film" : "films") in \(String(format: "%.1f", report.seconds)) s: "
                + "\(report.added.count) added, \(report.updated.count) updated, \(report.removed.count) removed, \(report.unchanged) unchanged."
        )
        if report.cuesWritten > 0 {
            lines.append("\(report.cuesWritten) cues read, \(report.spokenCuesWritten) of them spoken lines.")
        }
        lines += transcription
        if !report.skipped.isEmpty {
            lines.append("Skipped \(report.skipped.count):")
            lines += report.skipped.map { "  \($0.path): \($0.reason)" }
        }
        if !report.failed.isEmpty {
            lines.append("Failed \(report.failed.count):")
            lines += report.failed.map { "  \($0.path): \($0.reason)" }
        }
        if !report.cueWarnings.isEmpty {
            let left = report.cuesLeftOut
            lines.append(
                "\(left.skippedCues) \(left.skippedCues == 1 ? "cue was" : "cues were") left out of \(report.cueWarnings.count) "
                    + "\(report.cueWarnings.count == 1 ? "file" : "files") (\(left.summary)):"
            )
            lines += report.cueWarnings.prefix(10).map { "  \($0.path): \($0.reason)" }
            if report.cueWarnings.count > 10 { lines.append("  … and \(report.cueWarnings.count - 10) more (see --json)") }
        }
        if report.unpairedSubtitles > 0 {
            lines.append(
                "\(report.unpairedSubtitles) subtitle \(report.unpairedSubtitles == 1 ? "file has" : "files have") no video of the same name; "
                    + "use --subtitles-only to index subtitles alone."
            )
        }
        lines += embedding
        lines += seeks
        if report.interrupted {
            lines.append("Stopped before the end. Everything finished is kept: run the same command again to go on from there.")
        }
        lines.append("Library: \(statistics.films) films, \(statistics.cues) cues (\(statistics.spokenCues) spoken) in \(libraryPath)")
        return lines.joined(separator: "\n")
    }

    /// How many lines were embedded, or said once why not and how to.
    private var embedding: [String] {
        guard let run = report.embedding else { return [] }
        if let unavailable = run.unavailable, run.missing > 0 {
            return [
                "\(run.missing) spoken \(run.missing == 1 ? "line was" : "lines were") not embedded, so the director finds them by their words only: \(unavailable).",
                "To embed them, \(EmbeddingService.howToFix).",
            ]
        }
        guard run.embedded > 0 || run.missing > 0 else { return [] }
        return [
            "Embedded \(run.embedded) spoken \(run.embedded == 1 ? "line" : "lines") in \(String(format: "%.1f", run.seconds)) s (\(run.model)); \(run.lines) have vectors, \(run.missing) do not."
        ]
    }

    /// Films whose clips will start late, and what was prepared.
    private var seeks: [String] {
        guard let run = report.seeks else { return [] }
        var lines: [String] = []
        if !run.prepared.isEmpty {
            lines.append(
                "Prepared \(run.prepared.count) \(run.prepared.count == 1 ? "film" : "films") for quick clip starts (NAME.seek.mp4 beside each)."
            )
        }
        if !run.alreadyPrepared.isEmpty {
            lines.append("\(run.alreadyPrepared.count) \(run.alreadyPrepared.count == 1 ? "film was" : "films were") prepared already and skipped.")
        }
        if !run.sparse.isEmpty {
            lines.append(
                "\(run.sparse.count) \(run.sparse.count == 1 ? "film has" : "films have") keyframes too far apart, so clips start late; "
                    + "run cinema index --prepare-seeks DIR to re-encode \(run.sparse.count == 1 ? "it" : "them") once, beside the original:"
            )
            lines += run.sparse.map { "  \($0.path): \($0.reason)" }
        }
        if !run.failed.isEmpty {
            lines.append("Keyframes of \(run.failed.count) \(run.failed.count == 1 ? "film" : "films") could not be checked or prepared:")
            lines += run.failed.map { "  \($0.path): \($0.reason)" }
        }
        return lines
    }

    /// What became of the films without subtitles: heard, or said once why not and how to.
    private var transcription: [String] {
        var lines: [String] = []
        if let run = report.transcription, run.filmSeconds > 0 {
            let speed = run.seconds > 0 ? String(format: ", %.1f× real time", run.filmSeconds / run.seconds) : ""
            let films = report.transcribed.count
            lines.append(
                "Heard \(Timecode.clock(run.filmSeconds)) of films without subtitles in \(Timecode.clock(run.seconds))\(speed) "
                    + "(\(run.model ?? "?") at \(run.service ?? "?")): \(films) \(films == 1 ? "film" : "films") transcribed to the end."
            )
        }
        let left = report.withoutDialogue
        guard !left.isEmpty else { return lines }
        let count = "\(left.count) \(left.count == 1 ? "film has" : "films have") no subtitles"
        if let unavailable = report.transcription?.unavailable {
            lines.append("\(count) and \(left.count == 1 ? "was" : "were") indexed without dialogue: \(unavailable).")
            lines.append("To hear their dialogue, \(TranscriptionService.howToStart).")
            lines += left.prefix(10).map { "  \($0.path)" }
        } else {
            lines.append("\(count) and \(left.count == 1 ? "is" : "are") not wholly transcribed yet:")
            lines += left.prefix(10).map { "  \($0.path): \($0.reason)" }
        }
        if left.count > 10 { lines.append("  … and \(left.count - 10) more (see --json)") }
        return lines
    }
}
