import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import Configuration
import Foundation

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk to the library in the terminal: type a line, see the clip that answers.",
        discussion: """
            The TV greets you, answers each line you type with a clip (film, time span, line, the
            director's reasoning, how long it took), and says goodbye when you do or when input ends.
            With lines on standard input and --json it prints one decision per line, for scripts.
            """
    )

    @Option(help: ArgumentHelp("retrieval, openai or anthropic. (env: CINEMA_DIRECTOR_KIND; default: retrieval)", valueName: "name"))
    var director: String?

    @Option(help: ArgumentHelp("Seed for the director's random choices, to replay a conversation. (env: CINEMA_DIRECTOR_SEED)", valueName: "n"))
    var seed: Int?

    @Flag(help: "Print each decision as one line of JSON.")
    var json = false

    @Flag(help: "Play each clip with mpv. (env: CINEMA_MPV_OPTIONS adds mpv options)")
    var play = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("director.kind", director)
        flags.set("director.seed", seed)
        let context = try await global.context(flags: flags)
        let library = try await context.openSpokenLibrary()
        let director = try await context.director(over: library)
        let output = ChatOutput(json: json)
        let player = play ? ClipPlayer(reader: context.reader) : nil
        var conversation = Conversation()

        func take(_ decision: Decision, visitor: String?) async throws {
            conversation.record(decision, visitor: visitor)
            output.show(decision, visitor: visitor)
            try await player?.play(decision.clip, output: output)
        }

        if !json { output.note("Talking to \(director.name) over \(library.path). Type a line; end with Ctrl-D or goodbye.") }
        try await take(try await director.greet(conversation), visitor: nil)
        if !json { output.prompt() }
        for await line in StandardInputLines.stream() {
            if VisitorIntent.isGoodbye(line) {
                try await take(try await director.farewell(conversation), visitor: line)
                return
            }
            try await take(try await director.reply(to: line, in: conversation), visitor: line)
            if !json { output.prompt() }
        }
        try await take(try await director.farewell(conversation), visitor: nil)
    }
}

/// How `cinema chat` shows decisions: readable blocks for a person, one JSON object a line for
/// a script.
struct ChatOutput: Sendable {
    let json: Bool

    func show(_ decision: Decision, visitor: String?) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let line = ChatLine(visitor: visitor, decision: decision)
            write(String(decoding: (try? encoder.encode(line)) ?? Data("{}".utf8), as: UTF8.self) + "\n")
            return
        }
        let clip = decision.clip
        let span = "\(Timecode.format(clip.start))–\(Timecode.format(clip.end))"
        var lines = [
            "",
            "  TV ▸ \(clip.text.split(separator: "\n").joined(separator: " / "))",
            "       \(clip.filmTitle)  \(span)  [\(decision.kind.rawValue), \(decision.director), "
                + "\(String(format: "%.1f", decision.timings.totalMilliseconds)) ms]",
        ]
        if let fallback = decision.fallbackReason { lines.append("       fell back: \(fallback)") }
        if let chosen = decision.chosen, let match = chosen.match {
            lines.append("       led by: \(Self.describe(match))")
        }
        lines.append("       why: \(decision.reasoning)")
        write(lines.joined(separator: "\n") + "\n")
    }

    /// "“What is your name?” found by words and meaning (words 1.00, meaning 0.83)".
    static func describe(_ match: Decision.Match) -> String {
        var closeness: [String] = []
        if let lexical = match.lexical { closeness.append("words \(String(format: "%.2f", lexical))") }
        if let semantic = match.semantic { closeness.append("meaning \(String(format: "%.2f", semantic))") }
        let line = match.text.split(separator: "\n").joined(separator: " / ")
        return "“\(line)” found by \(match.foundBy) (\(closeness.joined(separator: ", ")))"
    }

    func note(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }

    func prompt() {
        write("\nyou ▸ ")
    }

    /// Unbuffered, so that the prompt appears before the program waits for input.
    private func write(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }

    struct ChatLine: Encodable {
        var visitor: String?
        var decision: Decision
    }
}
