import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Logging

@testable import CinemaDirector

/// Two small films written for these tests, so that each rule has a line that shows it.
enum DirectorTestLibrary {
    static let parlour: [(Double, Double, String)] = [
        (1, 2.5, "Who are you?"),
        (3, 5, "I'm the new butler, sir."),
        (10, 12, "Do you believe in ghosts?"),
        (12.5, 14, "Only on Tuesdays."),
        (20, 21.5, "Where are you going?"),
        (22, 23.5, "Where are you going?"),
        (30, 32, "I will talk to you of art,"),
        (32.2, 34, "for there is nothing else to talk about."),
        (40, 41.5, "Are you hungry?"),
        (42, 44, "Yes, Sweeney, very hungry."),
        (50, 51, "Hello."),
        (52, 53.2, "Good evening."),
        (60, 61.2, "What?"),
        (62, 63.5, "What did you say?"),
        (70, 71.5, "Goodbye."),
        (72, 73.4, "Good night."),
        (80, 81.5, "Tell me the truth."),
        (82, 95, "It is a long story that I have told many times before to many people in many towns, and it always ends badly."),
        (100, 101.5, "I'm tired."),
        (102, 103.2, "Tired?"),
    ]
    static let kitchen: [(Double, Double, String)] = [
        (1, 2.5, "Are you hungry?"),
        (3, 4.5, "Starving."),
        (10, 11.5, "Who are you?"),
        (12, 13.5, "Nobody you know."),
        (20, 21.5, "Who are you?"),
        (22, 23.5, "The cook, of course."),
        (30, 31, "Hello."),
        (40, 41.2, "I don't understand."),
        (50, 51.5, "Are you sure?"),
        (60, 61.5, "How dare you!"),
        (70, 71.5, "Don't worry."),
        (80, 81.5, "You're welcome."),
    ]

    /// A library holding both films, and a retrieval director over it.
    static func make(
        _ directory: TemporaryDirectory,
        configuration: RetrievalConfiguration = seeded(),
        cooldown: ClipCooldown? = nil
    ) async throws
        -> (LibraryDatabase, RetrievalDirector)
    {
        let library = try LibraryDatabase.open(path: directory.file("library.sqlite"))
        for (name, lines) in [("The_Parlour_1931.srt", parlour), ("The_Kitchen_1932.srt", kitchen)] {
            try directory.write("films/" + name, SubRipWriter.text(lines.map { SubRipWriter.Entry(start: $0.0, end: $0.1, text: $0.2) }))
        }
        let indexer = Indexer(database: library, probe: MediaProbe(), logger: Logger(label: "test"))
        _ = try await indexer.index([directory.file("films")], subtitlesOnly: true)
        return (library, RetrievalDirector(library: library, configuration: configuration, cooldown: cooldown))
    }

    static func seeded(_ seed: UInt64 = 1, choices: Int = 1) -> RetrievalConfiguration {
        var configuration = RetrievalConfiguration()
        configuration.seed = seed
        configuration.choices = choices
        return configuration
    }
}
