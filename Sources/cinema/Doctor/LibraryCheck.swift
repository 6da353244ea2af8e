import CinemaCore
import CinemaLibrary
import Foundation

/// The library: `library.sqlite` opens, has films, and every film's video is there to play.
struct LibraryCheck: Sendable {
    var home: CinemaHome
    var configuration: LibraryConfiguration
    /// How many missing films are named; the rest are counted.
    var named = 3

    func look() async -> DoctorCheck.Outcome {
        let path = home.libraryDatabasePath
        // Opening creates a library; the doctor only looks at one that is there.
        guard FileManager.default.fileExists(atPath: path) else {
            return .warning(
                "There is no library at \(path).",
                fix: "Run cinema up, which makes the demo library on its first run, or cinema index DIR for your own films."
            )
        }
        let films: [Film]
        do {
            films = try await LibraryDatabase.open(path: path, configuration: configuration).films()
        } catch {
            return .failed(
                error.description,
                fix: "Move \(path) aside and index the films again with cinema index DIR (or run cinema up for the demo library)."
            )
        }
        guard !films.isEmpty else {
            return .warning(
                "The library at \(path) has no films.",
                fix: "Index your films with cinema index DIR, or make the demo films with cinema demo."
            )
        }
        let videos = films.compactMap { film in film.videoPath.map { (film.title, $0) } }
        let missing = videos.filter { !FileManager.default.isReadableFile(atPath: $0.1) }
        let withoutVideo = films.count - videos.count
        let unplayable = withoutVideo == 0 ? "" : " (\(withoutVideo) with subtitles only, which answer in words but show nothing)"
        guard missing.isEmpty else {
            let names = missing.prefix(named).map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
            let more = missing.count > named ? " and \(missing.count - named) more" : ""
            return .failed(
                "\(missing.count) of \(films.count) films' videos are missing or unreadable: \(names)\(more).",
                fix:
                    "Put the files back (or mount their disk), or run cinema index on the films' folders again so that the library drops the films whose files are gone."
            )
        }
        return .ok("\(path): \(films.count) film\(films.count == 1 ? "" : "s"), every video there and readable\(unplayable).")
    }
}
