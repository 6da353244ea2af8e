import CinemaTestSupport
import Configuration
import Testing

@testable import CinemaCore

@Suite("Configuration layers")
struct ConfigurationLayersTests {
    @Test("Flags win over CINEMA_* environment variables, which win over .env, which wins over defaults")
    func precedence() async throws {
        try await TemporaryDirectory.with { directory in
            let dotEnv = try directory.write(
                ".env",
                """
                # comments and blank lines are fine

                CINEMA_CLIP_PAD_BEFORE=0.7
                CINEMA_CLIP_PAD_AFTER=0.9
                CINEMA_SEARCH_LIMIT=3
                """
            )
            var flags = ConfigOverrides()
            flags.set("clip.padBefore", 0.1)
            let reader = try await ConfigurationLayers.reader(
                flags: flags,
                environment: ["CINEMA_CLIP_PAD_BEFORE": "0.5", "CINEMA_CLIP_PAD_AFTER": "0.8"],
                dotEnvPath: dotEnv
            )
            #expect(reader.double(forKey: "clip.padBefore") == 0.1)  // flag
            #expect(reader.double(forKey: "clip.padAfter") == 0.8)  // environment
            #expect(reader.int(forKey: "search.limit") == 3)  // .env
            #expect(reader.int(forKey: "search.other", default: 42) == 42)  // default
        }
    }

    @Test("A missing .env file is not an error; variables without the CINEMA_ prefix are ignored")
    func missingDotEnv() async throws {
        let reader = try await ConfigurationLayers.reader(environment: ["SEARCH_LIMIT": "5"], dotEnvPath: "/nonexistent/.env")
        #expect(reader.int(forKey: "search.limit") == nil)
    }

    @Test("The data directory: CINEMA_HOME, then XDG_DATA_HOME, then ~/.local/share/cinema")
    func home() async throws {
        func home(_ environment: [String: String]) async throws -> String {
            let reader = try await ConfigurationLayers.reader(environment: environment, dotEnvPath: nil)
            return CinemaHome(reader: reader, environment: environment).path
        }
        #expect(try await home(["CINEMA_HOME": "/srv/cinema/", "HOME": "/home/ada"]) == "/srv/cinema")
        #expect(try await home(["CINEMA_HOME": "~/films", "HOME": "/home/ada"]) == "/home/ada/films")
        #expect(try await home(["XDG_DATA_HOME": "/data", "HOME": "/home/ada"]) == "/data/cinema")
        #expect(try await home(["HOME": "/home/ada"]) == "/home/ada/.local/share/cinema")
        #expect(CinemaHome(path: "/srv/cinema").libraryDatabasePath == "/srv/cinema/library.sqlite")
    }

    @Test("Preparing the data directory creates it, and refuses a file in its place")
    func prepare() async throws {
        try await TemporaryDirectory.with { directory in
            let home = CinemaHome(path: directory.file("a/b/cinema"))
            try home.prepare()
            try home.prepare()
            let file = try directory.write("not-a-directory", "x")
            #expect(throws: CinemaHomeError.notADirectory(path: file)) { try CinemaHome(path: file).prepare() }
        }
    }
}
