import CinemaCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Builds and refreshes the library from folders of films.
///
/// Incremental: a film whose files have the same size and modification time as last time is
/// not read again; a film whose files are gone is dropped; anything else is (re-)read. Files are
/// read and probed in parallel, and written one film per transaction.
///
/// A video without subtitles is kept as a film without dialogue; given a `transcriber`, its
/// soundtrack is then heard (see `Indexer+Transcription.swift`).
public struct Indexer: Sendable {
    let database: LibraryDatabase
    let probe: MediaProbe
    let logger: Logger
    let transcriber: (any SoundtrackTranscriber)?
    let transcription: TranscriptionConfiguration

    public init(
        database: LibraryDatabase,
        probe: MediaProbe,
        logger: Logger,
        transcriber: (any SoundtrackTranscriber)? = nil,
        transcription: TranscriptionConfiguration = TranscriptionConfiguration()
    ) {
        self.database = database
        self.probe = probe
        self.logger = logger
        self.transcriber = transcriber
        self.transcription = transcription
    }

    /// Indexes the films under `paths` (folders or single files), then transcribes those without
    /// subtitles. Only a failing database throws; when the task is cancelled (Ctrl-C), what was
    /// done is kept and the report says it was `interrupted`.
    public func index(
        _ paths: [String],
        subtitlesOnly: Bool = false,
        progress: @escaping @Sendable (IndexProgress) -> Void = { _ in },
        transcriptionProgress: @escaping @Sendable (TranscriptionProgress) -> Void = { _ in }
    ) async throws(LibraryError) -> IndexReport {
        let clock = ContinuousClock()
        let started = clock.now
        var report = IndexReport()
        let scan = LibraryScanner.scan(paths, subtitlesOnly: subtitlesOnly)
        report.failed = scan.problems
        report.skipped = scan.skipped
        report.unpairedSubtitles = scan.unpairedSubtitles

        logger.debug("Scanned folders", metadata: ["index.files": "\(scan.items.count)", "index.seconds": "\((clock.now - started) / .seconds(1))"])
        let stored = try await database.storedFilms(under: scan.scannedRoots)
        let reader = FilmReader(probe: probe, subtitlesOnly: subtitlesOnly)
        let total = scan.items.count
        let width = max(2, ProcessInfo.processInfo.activeProcessorCount)

        do {
            try await withThrowingTaskGroup(of: (IndexItem, FilmReader.Outcome).self) { group in
                var pending = scan.items[...]
                func startNext() {
                    guard let item = pending.popFirst() else { return }
                    let previous = stored[item.sourcePath]
                    group.addTask { (item, await reader.read(item, previous: previous)) }
                }
                for _ in 0..<width { startNext() }
                var completed = 0
                while let (item, outcome) = try await group.next() {
                    // A file read while the run was being stopped may have failed for that
                    // reason alone: it is read again next time.
                    if Task.isCancelled { break }
                    // Start the next file before writing this one, so that reading and writing overlap.
                    startNext()
                    completed += 1
                    let label = try await record(outcome, of: item, isNew: stored[item.sourcePath] == nil, in: &report)
                    progress(IndexProgress(completed: completed, total: total, path: item.sourcePath, outcome: label))
                }
            }
        } catch {
            // Task groups erase typed throws; only the database can fail here.
            throw LibraryError(error, path: database.path)
        }

        if Task.isCancelled {
            report.interrupted = true
            report.seconds = (clock.now - started) / .seconds(1)
            return report
        }
        logger.debug(
            "Read and stored films",
            metadata: ["index.cues": "\(report.cuesWritten)", "index.seconds": "\((clock.now - started) / .seconds(1))"]
        )
        let present = Set(scan.items.map(\.sourcePath))
        let gone = stored.values.filter { film in
            !present.contains(film.sourcePath) && (film.subtitleSource == FilmReader.subtitlesOnlySource) == subtitlesOnly
                && !scan.unreachable.contains { film.sourcePath == $0 || film.sourcePath.hasPrefix($0 + "/") }
        }
        try await database.removeFilms(ids: gone.compactMap(\.id))
        report.removed = gone.map(\.title).sorted()
        for film in gone { logger.info("Removed a film whose file is gone", metadata: ["film.path": "\(film.sourcePath)"]) }

        // One merged index segment keeps searches fast after a large run.
        if report.cuesWritten >= 10_000 {
            try await database.optimizeSearchIndex()
            logger.debug("Merged the search index", metadata: ["index.seconds": "\((clock.now - started) / .seconds(1))"])
        }
        if !subtitlesOnly {
            try await transcribeFilmsWithoutSubtitles(among: present, into: &report, progress: transcriptionProgress)
        }
        report.seconds = (clock.now - started) / .seconds(1)
        return report
    }

    private func record(
        _ outcome: FilmReader.Outcome,
        of item: IndexItem,
        isNew: Bool,
        in report: inout IndexReport
    ) async throws(LibraryError)
        -> IndexProgress.Outcome
    {
        switch outcome {
        case .unchanged:
            report.unchanged += 1
            return .unchanged
        case .skipped(let reason):
            report.skipped.append(IndexIssue(path: item.sourcePath, reason: reason))
            return .skipped
        case .failed(let reason):
            report.failed.append(IndexIssue(path: item.sourcePath, reason: reason))
            logger.warning("Could not index a film", metadata: ["film.path": "\(item.sourcePath)", "reason": "\(reason)"])
            return .failed
        case .withoutDialogue(let film):
            try await database.save(film, cues: [])
            if isNew { report.added.append(film.title) } else { report.updated.append(film.title) }
            return isNew ? .added : .updated
        case .read(let film, let document):
            try await database.save(film, cues: document.cues)
            report.cuesWritten += document.cues.count
            report.spokenCuesWritten += document.cues.lazy.filter { $0.kind == .speech }.count
            report.cuesLeftOut += document.warnings
            if document.warnings.skippedCues > 0 {
                report.cueWarnings.append(
                    IndexIssue(
                        path: film.subtitlePath,
                        reason:
                            "\(document.warnings.skippedCues) \(document.warnings.skippedCues == 1 ? "cue" : "cues") left out (\(document.warnings.summary))"
                    )
                )
            }
            if isNew { report.added.append(film.title) } else { report.updated.append(film.title) }
            return isNew ? .added : .updated
        }
    }
}

/// Reads one film's files: fingerprints them, probes the video, finds and parses its subtitles.
struct FilmReader: Sendable {
    static let subtitlesOnlySource = "subtitles-only"

    let probe: MediaProbe
    let subtitlesOnly: Bool

    enum Outcome: Sendable {
        case unchanged
        case read(FilmRecord, SubtitleDocument)
        /// A video with sound and no subtitles to read: its dialogue is in its soundtrack.
        case withoutDialogue(FilmRecord)
        case skipped(String)
        case failed(String)
    }

    func read(_ item: IndexItem, previous: FilmRecord?) async -> Outcome {
        guard let source = Fingerprint(path: item.sourcePath) else {
            return .failed("the file cannot be read (it vanished or permission was denied)")
        }
        let sidecar = item.videoPath != nil ? item.subtitlePath.flatMap(Fingerprint.init(path:)) : nil
        if let previous, previous.sourceSize == source.size, previous.sourceModified == source.modified,
            previous.subtitleSize == sidecar?.size, previous.subtitleModified == sidecar?.modified,
            item.videoPath == nil || previous.subtitlePath == (item.subtitlePath ?? item.sourcePath)
        {
            return .unchanged
        }
        guard let videoPath = item.videoPath else {
            return parse(subtitlesAt: item.sourcePath, title: FilmTitle.fromFileName((item.sourcePath as NSString).lastPathComponent)) {
                FilmRecord(
                    sourcePath: item.sourcePath,
                    title: $0,
                    videoPath: nil,
                    subtitlePath: item.sourcePath,
                    subtitleSource: Self.subtitlesOnlySource,
                    duration: nil,
                    sourceSize: source.size,
                    sourceModified: source.modified,
                    subtitleSize: nil,
                    subtitleModified: nil,
                    cueCount: $1.cues.count,
                    skippedCues: $1.warnings.skippedCues,
                    indexedAt: Date().timeIntervalSince1970
                )
            }
        }

        let info: MediaInfo
        do {
            info = try await probe.probe(videoPath)
        } catch .missing(let tool, let executable, let hint) {
            return .failed(ToolError.missing(tool: tool, executable: executable, hint: hint).description)
        } catch {
            return .failed("ffprobe could not read the video: \(error.description)")
        }
        let title =
            info.title.flatMap { CueTextCleaner.isCredit($0) ? nil : $0 }
            ?? FilmTitle.fromFileName((videoPath as NSString).lastPathComponent)
        func film(_ subtitlePath: String, _ origin: String, _ document: SubtitleDocument?) -> FilmRecord {
            FilmRecord(
                sourcePath: videoPath,
                title: title,
                videoPath: videoPath,
                subtitlePath: subtitlePath,
                subtitleSource: origin,
                duration: info.duration,
                sourceSize: source.size,
                sourceModified: source.modified,
                subtitleSize: sidecar?.size,
                subtitleModified: sidecar?.modified,
                cueCount: document?.cues.count ?? 0,
                skippedCues: document?.warnings.skippedCues ?? 0,
                indexedAt: Date().timeIntervalSince1970
            )
        }

        if let subtitlePath = item.subtitlePath {
            return parse(subtitlesAt: subtitlePath, title: title) { film(subtitlePath, "sidecar", $1) }
        }
        guard let stream = info.preferredTextSubtitleStream else {
            guard info.hasAudio else {
                return .skipped("no subtitles and no sound: nothing says what is spoken in it; put an .srt file of the same name beside it")
            }
            // Image subtitles (DVD, Blu-ray) would need reading off the picture: hearing the
            // soundtrack is the surer way to the words.
            return .withoutDialogue(film(videoPath, DialogueSource.none, nil))
        }
        let bytes: [UInt8]
        do {
            bytes = try await probe.extractSubtitles(from: videoPath, stream: stream)
        } catch {
            return .failed("could not extract subtitle stream \(stream.index): \(error.description)")
        }
        do {
            let document = try SubtitleParser.parse(bytes, format: .subRip, source: "\(videoPath) (stream \(stream.index))")
            return check(document, source: "subtitle stream \(stream.index)") { film(videoPath, "embedded:\(stream.index)", document) }
        } catch {
            return .failed(error.description)
        }
    }

    private func parse(subtitlesAt path: String, title: String, makeFilm: (String, SubtitleDocument) -> FilmRecord) -> Outcome {
        do {
            let document = try SubtitleParser.parse(fileAt: path)
            return check(document, source: path) { makeFilm(title, document) }
        } catch {
            return .failed(error.description)
        }
    }

    private func check(_ document: SubtitleDocument, source: String, makeFilm: () -> FilmRecord) -> Outcome {
        if document.cues.isEmpty {
            let left = document.warnings.skippedCues > 0 ? " (\(document.warnings.summary))" : ""
            return .failed("no usable cues in \(source)\(left): is it really SubRip, WebVTT or ASS?")
        }
        guard document.cues.contains(where: { $0.kind == .speech }) else {
            return .skipped("no spoken lines in \(source), only music, sound annotations or credits")
        }
        return .read(makeFilm(), document)
    }
}

/// Size and modification time: enough to tell that a file changed without reading it. Those of
/// the file itself, through any symbolic link: a link's own never change when its film does.
struct Fingerprint: Equatable {
    var size: Int64
    var modified: Double

    init?(path: String) {
        guard case .success(let status) = FileStatus.of(path), status.kind == .regular, access(path, R_OK) == 0 else { return nil }
        size = status.size
        modified = status.modified
    }
}
