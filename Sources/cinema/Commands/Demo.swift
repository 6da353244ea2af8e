import ArgumentParser
import CinemaCore
import CinemaLibrary
import Configuration
import Foundation

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the demo library and index it.",
        discussion: """
            Writes short films from dialogue that ships with Cinema Chat: each line spoken by espeak-ng
            over a title card rendered by ffmpeg, with an exact .srt beside each video. Then indexes
            them. Running it again only makes what is missing or out of date.
            """
    )

    @Argument(help: ArgumentHelp("Where to write the films. (default: CINEMA_HOME/demo)", valueName: "dir"))
    var directory: String?

    @Flag(help: "Make every film again, even those that are up to date.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try await global.context()
        let directory = directory.map { AbsolutePath.resolve($0) } ?? context.home.demoDirectory
        try await context.makeDemoLibrary(in: directory, force: force)
        print("Try it: cinema search \"hello\"")
    }
}

extension CommandContext {
    /// Renders the demo films into `directory` (only those missing or out of date, unless
    /// `force`) and indexes them, with progress and a summary on the terminal.
    func makeDemoLibrary(in directory: String, force: Bool = false) async throws {
        let library = try openLibrary()
        let display = ProgressDisplay()
        display.note("Making the demo library in \(directory)")
        let builder = DemoLibraryBuilder(
            configuration: libraryConfiguration,
            espeak: reader.string(forKey: "espeak", default: "espeak-ng"),
            logger: logger
        )
        let made = try await builder.build(into: directory, force: force) { step in
            display.update(completed: step.completed, total: step.total, label: step.label)
        }
        display.finish()
        print(
            "Demo films: \(made.rendered.count) made, \(made.reused.count) already up to date "
                + "(\(made.lines) lines in all) in \(String(format: "%.1f", made.seconds)) s."
        )

        var report = try await index([directory], into: library, display: display)
        // The demo's lines are embedded too, so that the director finds them by meaning.
        if EmbeddingService.enabled(self) {
            let local = try LocalModelService.installed(self)
            report.embedding = try await library.embedLines(
                with: EmbeddingService.embedder(self, local: local),
                model: EmbeddingService.model(self),
                display: display
            )
            await local?.stop()
        }
        print(try await IndexSummary.text(for: report, library: library))
        if report.hasFailures { throw ExitCode.failure }
    }
}
