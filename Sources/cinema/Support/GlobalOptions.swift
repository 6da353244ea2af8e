import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import Configuration
import Foundation
import Logging

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The data directory. (env: CINEMA_HOME; default: ~/.local/share/cinema)", valueName: "dir"))
    var home: String?

    @Option(
        help: ArgumentHelp("trace, debug, info, notice, warning, error or critical. (env: CINEMA_LOG_LEVEL; default: warning)", valueName: "level")
    )
    var logLevel: String?

    /// Reads the configuration layers and sets up logging. `flags` are the subcommand's own options.
    /// `defaultLogLevel` is for commands whose log is their output (`cinema client`).
    func context(flags: ConfigOverrides = ConfigOverrides(), defaultLogLevel: String = "warning") async throws -> CommandContext {
        var flags = flags
        flags.set("home", home)
        flags.set("log.level", logLevel)
        let environment = ProcessInfo.processInfo.environment
        let reader: ConfigReader
        do {
            reader = try await ConfigurationLayers.reader(flags: flags, environment: environment)
        } catch {
            throw ValidationError("Could not read the .env file in \(FileManager.default.currentDirectoryPath): \(error)")
        }
        let levelName = reader.string(forKey: "log.level", default: defaultLogLevel)
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("Unknown log level '\(levelName)'. Use trace, debug, info, notice, warning, error or critical.")
        }
        // Under systemd the journal stamps the lines; elsewhere they carry their own time.
        if let prioritised = JournalLogHandler.style(in: environment) {
            LoggingSystem.bootstrap { label in JournalLogHandler(label: label, prioritised: prioritised, logLevel: level) }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        return CommandContext(reader: reader, home: CinemaHome(reader: reader, environment: environment), logger: Logger(label: "cinema"))
    }
}

/// What a subcommand needs once its options are read.
struct CommandContext {
    let reader: ConfigReader
    let home: CinemaHome
    let logger: Logger

    var libraryConfiguration: LibraryConfiguration { LibraryConfiguration(reader: reader) }

    /// Opens the library in the data directory, creating both when needed.
    func openLibrary() throws -> LibraryDatabase {
        try home.prepare()
        return try LibraryDatabase.open(path: home.libraryDatabasePath, configuration: libraryConfiguration)
    }

    /// The library, for commands that need something to say: an empty one is an error that says
    /// how to fill it.
    func openSpokenLibrary() async throws -> LibraryDatabase {
        let library = try openLibrary()
        guard try await library.statistics().spokenCues > 0 else { throw LibraryEmpty(path: library.path) }
        return library
    }

    /// The configured director over `library`, its one-time work done; it finds lines by meaning
    /// too when the library has embeddings and `embedder` (by default the configured embeddings
    /// server) can embed the visitor's words.
    func director(over library: LibraryDatabase, embedder: (any LineEmbedder)? = nil) async throws -> any Director {
        let meaning = await DirectorMeaning.search(self, library: library, embedder: embedder ?? DirectorMeaning.configuredEmbedder(self))
        let director = try DirectorFactory.make(reader: reader, library: library, home: home, logger: logger, meaning: meaning)
        try await director.prepare()
        return director
    }
}
