import ArgumentParser

/// The benchmarks behind BENCHMARKS.md. Build in release mode:
/// `swift run -c release cinema-bench library --films ../shared/data/films`.
@main
struct CinemaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cinema-bench",
        abstract: "Benchmarks for Cinema Chat: the film library, the backend and speech recognition.",
        subcommands: [LibraryBenchmark.self, BackendBenchmark.self, SpeechBenchmark.self],
        defaultSubcommand: LibraryBenchmark.self
    )
}
