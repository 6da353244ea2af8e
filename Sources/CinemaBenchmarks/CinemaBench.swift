import ArgumentParser

/// The benchmarks behind BENCHMARKS.md. Build in release mode:
/// `swift run -c release cinema-bench library --films ../shared/data/films`.
@main
struct CinemaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cinema-bench",
        abstract: "Benchmarks for Cinema Chat: the film library, search by meaning, the backend, listening, speech recognition and spoken turns.",
        subcommands: [
            LibraryBenchmark.self, BackendBenchmark.self, VoiceActivityBenchmark.self, SpeechBenchmark.self, SpokenTurnBenchmark.self,
            PlayerBenchmark.self, ClientBenchmark.self, StationBenchmark.self, SemanticBenchmark.self, SoakBenchmark.self,
        ],
        defaultSubcommand: LibraryBenchmark.self
    )
}
