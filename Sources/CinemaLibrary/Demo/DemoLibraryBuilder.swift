import CinemaCore
import Foundation
import Logging
import Synchronization

/// Writes the demo library into a folder: every film of `DemoScreenplay`, as an `.mp4` with an
/// exact `.srt` beside it. Idempotent: a manifest records what each film was made from, and a
/// film whose script, voices and generator are unchanged is not rendered again.
public struct DemoLibraryBuilder: Sendable {
    /// Bump when the rendering changes, so that existing demo films are made again.
    static let generator = "cinema-demo 1"
    static let manifestName = "demo-library.json"

    let renderer: DemoFilmRenderer
    let films: [DemoFilm]
    let logger: Logger

    public init(configuration: LibraryConfiguration, espeak: String = "espeak-ng", films: [DemoFilm] = DemoScreenplay.films, logger: Logger) {
        renderer = DemoFilmRenderer(
            espeak: ExternalTool(
                name: "espeak-ng",
                executable: espeak,
                installHint: "install it (sudo apt-get install espeak-ng) or set CINEMA_ESPEAK"
            ),
            ffmpeg: ExternalTool(name: "ffmpeg", executable: configuration.ffmpeg, installHint: MediaProbe.installHint)
        )
        self.films = films
        self.logger = logger
    }

    public struct Report: Sendable {
        public var rendered: [String] = []
        public var reused: [String] = []
        public var lines = 0
        public var seconds: Double = 0
    }

    public struct Progress: Sendable {
        public var completed: Int
        public var total: Int
        public var label: String
    }

    public func build(
        into directory: String,
        force: Bool = false,
        progress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) async throws(DemoError)
        -> Report
    {
        let clock = ContinuousClock()
        let started = clock.now
        try prepare(directory)
        var manifest = force ? Manifest() : Manifest.read(from: directory + "/" + Self.manifestName)
        var report = Report()
        report.lines = films.reduce(0) { $0 + $1.lines.count }

        let pending = films.filter { film in
            manifest.films[film.slug] != film.fingerprint(generator: Self.generator)
                || !Self.nonEmptyFile(directory + "/\(film.slug).mp4") || !Self.nonEmptyFile(directory + "/\(film.slug).srt")
        }
        report.reused = films.filter { film in !pending.contains(film) }.map(\.displayTitle)
        // A step per spoken line and one per film's encoding.
        let total = pending.reduce(0) { $0 + $1.lines.count + 1 }
        let counter = StepCounter(total: total, progress: progress)
        if total == 0 { progress(Progress(completed: 0, total: 0, label: "all \(films.count) demo films are up to date")) }

        do {
            try await withThrowingTaskGroup(of: DemoFilm.self) { group in
                var queue = pending[...]
                func startNext() {
                    guard let film = queue.popFirst() else { return }
                    let work = directory + "/.work-\(film.slug)"
                    group.addTask {
                        try Self.makeDirectory(work)
                        defer { try? FileManager.default.removeItem(atPath: work) }
                        _ = try await renderer.render(film, into: directory, workDirectory: work) {
                            counter.step("spoke a line of \(film.displayTitle)")
                        }
                        counter.step("rendered \(film.displayTitle)")
                        return film
                    }
                }
                // Two films at a time: ffmpeg already uses more than one core for each.
                for _ in 0..<2 { startNext() }
                while let film = try await group.next() {
                    manifest.films[film.slug] = film.fingerprint(generator: Self.generator)
                    try manifest.write(to: directory + "/" + Self.manifestName)
                    report.rendered.append(film.displayTitle)
                    logger.info("Rendered a demo film", metadata: ["film.title": "\(film.displayTitle)"])
                    startNext()
                }
            }
        } catch let error as DemoError {
            throw error
        } catch {
            throw .directory(path: directory, reason: "\(error)")
        }
        report.seconds = (clock.now - started) / .seconds(1)
        return report
    }

    private func prepare(_ directory: String) throws(DemoError) {
        try Self.makeDirectory(directory)
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw .directory(path: directory, reason: "it is not writable")
        }
    }

    private static func makeDirectory(_ path: String) throws(DemoError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .directory(path: path, reason: error.localizedDescription)
        }
    }

    private static func nonEmptyFile(_ path: String) -> Bool {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0 > 0
    }
}

/// What the demo folder was made from: film slug → fingerprint.
struct Manifest: Codable, Equatable {
    var generator = DemoLibraryBuilder.generator
    var films: [String: String] = [:]

    static func read(from path: String) -> Manifest {
        guard let data = FileManager.default.contents(atPath: path), let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else {
            return Manifest()
        }
        return manifest
    }

    func write(to path: String) throws(DemoError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .directory(path: path, reason: error.localizedDescription)
        }
    }
}

/// Counts finished steps across the films being rendered at once.
private final class StepCounter: Sendable {
    private let state: Mutex<Int>
    private let total: Int
    private let progress: @Sendable (DemoLibraryBuilder.Progress) -> Void

    init(total: Int, progress: @escaping @Sendable (DemoLibraryBuilder.Progress) -> Void) {
        self.state = Mutex(0)
        self.total = total
        self.progress = progress
    }

    func step(_ label: String) {
        let completed = state.withLock { count in
            count += 1
            return count
        }
        progress(DemoLibraryBuilder.Progress(completed: completed, total: total, label: label))
    }
}

public enum DemoError: Error, CustomStringConvertible, Equatable {
    case tool(ToolError)
    case directory(path: String, reason: String)
    case audio(line: String, reason: String)

    public var description: String {
        switch self {
        case .tool(let error):
            "Could not make the demo films: \(error.description)"
        case .directory(let path, let reason):
            "Could not write the demo library at \(path): \(reason). Choose another folder: cinema demo DIR."
        case .audio(let line, let reason):
            "Could not make speech for the demo line “\(line)”: \(reason). Check that espeak-ng works: espeak-ng -w /tmp/t.wav hello"
        }
    }
}
