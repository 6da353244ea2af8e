import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import Configuration
import Foundation

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the director on a file of visitor utterances.",
        discussion: """
            Runs the director over the utterances in sessions and reports the share of matched
            replies, repeats, clip lengths, films used and decision latency. With --judge-sheet it
            also writes a blind sheet (the director's answers mixed with two baselines') and its key;
            --verdicts scores a judge's verdicts on that sheet. See Evaluation/RUBRIC.md.
            """
    )

    @Option(help: ArgumentHelp("One utterance a line. (default: Evaluation/utterances.txt)", valueName: "file"))
    var utterances = "Evaluation/utterances.txt"

    @Option(help: ArgumentHelp("Utterances per session.", valueName: "n"))
    var sessionLength = 10

    @Option(help: ArgumentHelp("retrieval, openai or anthropic. (env: CINEMA_DIRECTOR_KIND; default: retrieval)", valueName: "name"))
    var director: String?

    @Option(help: ArgumentHelp("Seed for the director's choices and the sheet's shuffle.", valueName: "n"))
    var seed = 7

    @Option(help: ArgumentHelp("Write sheet.tsv, key.json and turns.json into this folder.", valueName: "dir"))
    var judgeSheet: String?

    @Option(help: ArgumentHelp("Score these verdicts (ID<TAB>apt|not) with the key from --key.", valueName: "file"))
    var verdicts: String?

    @Option(help: ArgumentHelp("The key.json written with the judge sheet.", valueName: "file"))
    var key: String?

    @Flag(help: "Print the whole report as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        if let verdicts {
            try score(verdicts)
            return
        }
        var flags = ConfigOverrides()
        flags.set("director.kind", director)
        flags.set("director.seed", seed)
        let context = try await global.context(flags: flags)
        let library = try await context.openSpokenLibrary()
        let lines: [String]
        do {
            lines = try DirectorEvaluation.utterances(fromFile: utterances)
        } catch {
            throw ValidationError("Could not read the utterances file \(utterances): \(error.localizedDescription)")
        }
        let director = try await context.director(over: library)
        let report = try await DirectorEvaluation.run(director: director, library: library, utterances: lines, sessionLength: sessionLength)
        if let folder = judgeSheet {
            let sheet = BlindJudging.sheet(from: report, seed: UInt64(seed))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(BlindJudging.text(of: sheet).utf8).write(to: URL(fileURLWithPath: folder + "/sheet.tsv"))
            try Data(try JSONOutput.encode(sheet.key).utf8).write(to: URL(fileURLWithPath: folder + "/key.json"))
            try Data(try JSONOutput.encode(report.turns).utf8).write(to: URL(fileURLWithPath: folder + "/turns.json"))
        }
        if json {
            print(try JSONOutput.encode(report))
        } else {
            print(Self.text(report.summary, director: director.name, library: library.path))
        }
    }

    private func score(_ path: String) throws {
        guard let key else { throw ValidationError("--verdicts needs --key, the key.json written with the sheet.") }
        let keyData = try Data(contentsOf: URL(fileURLWithPath: key))
        let mapping = try JSONDecoder().decode([String: String].self, from: keyData)
        let scores = try BlindJudging.score(verdicts: try String(contentsOfFile: path, encoding: .utf8), key: mapping)
        for system in BlindJudging.systems {
            let score = scores[system]!
            print("\(system): \(score.apt) of \(score.judged) apt (\(String(format: "%.0f", score.rate * 100))%)")
        }
    }

    static func text(_ summary: DirectorEvaluation.Summary, director: String, library: String) -> String {
        func ms(_ p: Percentiles) -> String { String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", p.p50, p.p99, p.max) }
        func s(_ p: Percentiles) -> String {
            String(format: "p10 %.1f s, p50 %.1f s, p90 %.1f s, max %.1f s", p.p10, p.p50, p.p90, p.max)
        }
        return """
            Director \(director) over \(library): \(summary.turns) turns in \(summary.sessions) sessions.
            Kinds: \(summary.kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")).
            Paths: \(summary.paths.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")).
            Answered from the library: \(String(format: "%.0f", summary.replyShare * 100))% of replies (the rest fell back to "what?").
            Repeats within a session: \(summary.repeatsWithinSessions).
            Distinct films: \(summary.distinctFilms).
            Speech per clip: \(s(summary.speechSeconds)).
            Decision latency: \(ms(summary.decisionMilliseconds)).
            """
    }
}
