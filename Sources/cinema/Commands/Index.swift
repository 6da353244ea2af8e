import ArgumentParser
import CinemaCore
import CinemaLibrary
import Foundation

struct Index: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Index folders of films by their dialogue.",
        discussion: """
            Finds video files (mp4, mkv, avi, mov, m4v, webm, mpg) and their subtitles: a file of the
            same name beside the video (NAME.srt, NAME.en.srt, .vtt, .ass) or a text subtitle stream
            inside it. Runs again skip unchanged files, re-read changed ones and drop removed ones.
            Links are followed; named pipes, sockets and devices are reported and never opened.
            Exits with status 1 when any file or folder could not be read.
            """
    )

    @Argument(help: ArgumentHelp("Folders (or single files) to index.", valueName: "dir"))
    var paths: [String]

    @Flag(help: "Index bare subtitle files (.srt, .vtt, .ass) as films without video.")
    var subtitlesOnly = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try await global.context()
        let library = try context.openLibrary()
        let display = ProgressDisplay()
        display.note("Indexing \(paths.joined(separator: ", ")) into \(library.path)")
        let report = try await context.index(paths, subtitlesOnly: subtitlesOnly, into: library, display: display)
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(try await IndexSummary.text(for: report, library: library))
        }
        if report.hasFailures { throw ExitCode.failure }
    }
}

extension CommandContext {
    /// Indexes `paths` into `library`, showing a step per file on `display`.
    func index(
        _ paths: [String],
        subtitlesOnly: Bool = false,
        into library: LibraryDatabase,
        display: ProgressDisplay
    ) async throws
        -> IndexReport
    {
        let indexer = Indexer(database: library, probe: MediaProbe(configuration: libraryConfiguration), logger: logger)
        let report = try await indexer.index(paths, subtitlesOnly: subtitlesOnly) { step in
            display.update(
                completed: step.completed,
                total: step.total,
                label: "\(step.outcome.rawValue) \((step.path as NSString).lastPathComponent)"
            )
        }
        display.finish()
        return report
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
        lines.append("Library: \(statistics.films) films, \(statistics.cues) cues (\(statistics.spokenCues) spoken) in \(libraryPath)")
        return lines.joined(separator: "\n")
    }
}
