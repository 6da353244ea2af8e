import CinemaCore
import Foundation
import Synchronization

/// What surveying (and perhaps preparing) the films' keyframes found.
public struct SeekReport: Sendable, Codable, Equatable {
    /// Films whose keyframes are too far apart for quick clip starts, and how far.
    public var sparse: [IndexIssue] = []
    /// Films re-encoded by this run, by original path.
    public var prepared: [String] = []
    /// Films whose prepared copy was already there and newer than the original.
    public var alreadyPrepared: [String] = []
    /// Films that could not be surveyed or prepared, and why.
    public var failed: [IndexIssue] = []
    /// Stopped (Ctrl-C) before the end: the films done are kept, the one in hand is left as it was.
    public var interrupted = false

    public init() {}
}

/// Progress of a survey or preparation: after each film, and during a film's re-encoding.
public struct SeekProgress: Sendable {
    /// Films done; while one is re-encoded, those before it.
    public var completed: Int
    public var total: Int
    public var path: String
    public var action: String
    /// While `path` is re-encoded: how much of it is done (0...1), and the time that leaves at
    /// the pace so far.
    public var encoded: Double?
    public var remaining: Duration?

    /// Where the whole run is, counting the part of the film in hand that is done.
    public var fraction: Double {
        total > 0 ? min(1, (Double(completed) + (encoded ?? 0)) / Double(total)) : 1
    }
}

/// Finds films whose keyframes are too sparse and, when asked, re-encodes each once beside the
/// original (`NAME.seek.mp4`) with a keyframe at every clip's start, which the library then plays.
public struct SeekPreparation: Sendable {
    let database: LibraryDatabase
    let survey: KeyframeSurvey
    let ffmpeg: ExternalTool

    public init(database: LibraryDatabase, configuration: LibraryConfiguration = LibraryConfiguration()) {
        self.database = database
        survey = KeyframeSurvey(configuration: configuration)
        ffmpeg = ExternalTool(name: "ffmpeg", executable: configuration.ffmpeg, installHint: MediaProbe.installHint)
    }

    static let suffix = ".seek.mp4"

    /// Where the prepared copy of `video` goes.
    public static func preparedPath(for video: String) -> String {
        ((video as NSString).deletingPathExtension) + suffix
    }

    public static func isPreparedCopy(_ path: String) -> Bool {
        path.lowercased().hasSuffix(suffix)
    }

    /// Surveys the films indexed under `roots`; with `prepare`, re-encodes the sparse ones not
    /// yet prepared. A failure is reported for its film and the rest go on; cancelled, it stops
    /// between films or mid-encode (leaving no partial copy) and says so in the report.
    public func run(
        under roots: [String],
        prepare: Bool,
        progress: @escaping @Sendable (SeekProgress) -> Void = { _ in }
    ) async throws -> SeekReport {
        var report = SeekReport()
        let films = try await database.seekFilms(under: roots.map { AbsolutePath.resolve($0) })
        for (index, film) in films.enumerated() {
            do {
                try Task.checkCancellation()
                let action = try await handle(film, prepare: prepare, into: &report) { encoded, remaining in
                    progress(
                        SeekProgress(
                            completed: index,
                            total: films.count,
                            path: film.videoPath,
                            action: "re-encoding",
                            encoded: encoded,
                            remaining: remaining
                        )
                    )
                }
                progress(SeekProgress(completed: index + 1, total: films.count, path: film.videoPath, action: action))
            } catch is CancellationError {
                report.interrupted = true
                break
            }
        }
        return report
    }

    private func handle(
        _ film: SeekFilm,
        prepare: Bool,
        into report: inout SeekReport,
        encoding: @escaping @Sendable (Double, Duration?) -> Void
    ) async throws -> String {
        let prepared = Self.preparedPath(for: film.videoPath)
        if Self.isNewer(prepared, than: film.videoPath) {
            if film.seekPath != prepared { try await database.setSeekPath(prepared, forFilm: film.id) }
            report.alreadyPrepared.append(film.videoPath)
            return "already prepared"
        }
        let keyframes: Keyframes
        do {
            keyframes = try await survey.keyframes(of: film.videoPath)
        } catch .cancelled {
            throw CancellationError()
        } catch {
            report.failed.append(IndexIssue(path: film.videoPath, reason: "its keyframes could not be read: \(error)"))
            return "failed"
        }
        guard keyframes.isTooSparse else { return "keyframes fine" }
        let gaps = String(format: "a keyframe every %.1f s (median), %.1f s at most", keyframes.medianGap, keyframes.maxGap)
        guard prepare else {
            report.sparse.append(IndexIssue(path: film.videoPath, reason: gaps))
            return "sparse keyframes"
        }
        do {
            try await encode(film.videoPath, clipStarts: film.clipStarts, keyframes: keyframes, to: prepared, progress: encoding)
            try await database.setSeekPath(prepared, forFilm: film.id)
            report.prepared.append(film.videoPath)
            return "prepared"
        } catch let error as ToolError where error == .cancelled(tool: "ffmpeg") {
            throw CancellationError()
        } catch {
            report.failed.append(IndexIssue(path: film.videoPath, reason: "could not be re-encoded for quick clip starts: \(error)"))
            return "failed"
        }
    }

    /// Re-encodes into a hidden file beside the original (the folder walker skips it), renamed
    /// when whole: an interrupted run leaves no half copy, and the next run starts that film again.
    /// `progress` hears how much is done, each whole percent, with the time left at that pace.
    public func encode(
        _ video: String,
        clipStarts: [Double],
        keyframes: Keyframes,
        to prepared: String,
        progress: @escaping @Sendable (Double, Duration?) -> Void = { _, _ in }
    ) async throws {
        let directory = (prepared as NSString).deletingLastPathComponent
        let partial = directory + "/." + (prepared as NSString).lastPathComponent + ".partial"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let times = Set(clipStarts.map { keyframes.frame(atOrBefore: $0) }).sorted()
        let forced = times.map { String(format: "%.3f", $0) }.joined(separator: ",")
        let copying = Self.arguments(video: video, forcedKeyframes: forced, audio: ["-c:a", "copy"], output: partial)
        let encoding = Self.arguments(video: video, forcedKeyframes: forced, audio: ["-c:a", "aac", "-b:a", "192k"], output: partial)
        let length = keyframes.frameTimes.last ?? keyframes.times.last ?? 0
        do {
            _ = try await ffmpeg.run(copying, timeout: .seconds(12 * 3600), eachLine: EncodeProgress.reader(length: length, progress))
        } catch {
            // Some sound (PCM, Vorbis) cannot go into MP4 as it is: encode it instead.
            guard case .failed = error else { throw error }
            _ = try await ffmpeg.run(encoding, timeout: .seconds(12 * 3600), eachLine: EncodeProgress.reader(length: length, progress))
        }
        if FileManager.default.fileExists(atPath: prepared) { try FileManager.default.removeItem(atPath: prepared) }
        try FileManager.default.moveItem(atPath: partial, toPath: prepared)
    }

    static func arguments(video: String, forcedKeyframes: String, audio: [String], output: String) -> [String] {
        [
            // ffmpeg's progress as key=value lines on standard output; no stats line on stderr.
            "-nostdin", "-v", "error", "-nostats", "-progress", "pipe:1", "-y", "-i", "file:" + video,
            "-map", "0:v:0", "-map", "0:a?",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
        ] + (forcedKeyframes.isEmpty ? [] : ["-force_key_frames", forcedKeyframes]) + audio + ["-f", "mp4", "file:" + output]
    }

    /// Whether `path` exists and was written after `original` last changed.
    static func isNewer(_ path: String, than original: String) -> Bool {
        guard let copy = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
            let source = try? FileManager.default.attributesOfItem(atPath: original)[.modificationDate] as? Date
        else { return false }
        return copy >= source
    }
}

/// Reads ffmpeg's `-progress` lines (`out_time_us=…`, one block every half second) as a share
/// of the film, passed on once each whole percent.
struct EncodeProgress: Sendable {
    let length: Double
    let started = ContinuousClock.now
    private var reported = -1

    init(length: Double) { self.length = length }

    /// The share done after `line`, when it moves the count to a new whole percent.
    mutating func read(_ line: String) -> (encoded: Double, remaining: Duration?)? {
        guard length > 0, line.hasPrefix("out_time_us="), let microseconds = Double(line.dropFirst("out_time_us=".count)) else {
            return nil
        }
        let encoded = min(1, max(0, microseconds / 1e6 / length))
        let percent = Int(encoded * 100)
        guard percent > reported else { return nil }
        reported = percent
        let elapsed = ContinuousClock.now - started
        return (encoded, encoded > 0.01 && encoded < 1 ? elapsed * ((1 - encoded) / encoded) : nil)
    }

    static func reader(length: Double, _ progress: @escaping @Sendable (Double, Duration?) -> Void) -> @Sendable (String) -> Void {
        let state = Mutex(EncodeProgress(length: length))
        return { line in
            if let step = state.withLock({ $0.read(line) }) { progress(step.encoded, step.remaining) }
        }
    }
}
