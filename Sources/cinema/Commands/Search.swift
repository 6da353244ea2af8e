import ArgumentParser
import CinemaCore
import CinemaLibrary
import Foundation

struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the library for spoken lines.",
        discussion: "Any text is a valid query. Each result is a clip: the line, padded so that no word is cut."
    )

    @Argument(help: ArgumentHelp("What to look for; quote it or give several words.", valueName: "text"))
    var words: [String]

    @Option(help: ArgumentHelp("How many clips to show. (env: CINEMA_SEARCH_LIMIT; default: 10)", valueName: "n"))
    var limit: Int?

    @Flag(help: "Print the clips as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be between 1 and 1000, not \(limit).") }
    }

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("search.limit", limit)
        let context = try await global.context(flags: flags)
        let library = try await context.openSpokenLibrary()
        let text = words.joined(separator: " ")
        let clips = try await library.search(text)
        if json {
            print(try JSONOutput.encode(clips))
            return
        }
        guard !clips.isEmpty else {
            print("No spoken line matches “\(text)”.")
            return
        }
        for (rank, clip) in clips.enumerated() {
            let score = clip.score.map { String(format: "%.2f", $0) } ?? "-"
            // A line heard in the soundtrack rather than read from subtitles may be misheard.
            let heard = clip.transcribed ? "  (transcribed)" : ""
            print(
                "\(rank + 1). \(clip.filmTitle)  \(Timecode.format(clip.start))–\(Timecode.format(clip.end))  score \(score)  clip \(clip.id)\(heard)"
            )
            print("   " + clip.text.split(separator: "\n").joined(separator: "\n   "))
        }
    }
}

struct LibraryEmpty: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "The library at \(path) has no films yet. Run `cinema demo` for the demo films, or `cinema index DIR` for your own."
    }
}
