import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import Configuration
import Foundation

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the director on visitor lines it was not tuned on.",
        discussion: """
            Runs the director over the visitor lines of Evaluation/dev.tsv (tuned on) and
            Evaluation/test.tsv (only scored), in sessions, and reports for each half the ways it
            answered, repeats, clip lengths, films used and decision latency. With --judge-sheet it
            also writes a blind sheet (the director's answers mixed with the naive baseline's) and its
            key; --verdicts scores judges' verdicts on that sheet, per half, with their agreement.
            See Evaluation/RUBRIC.md.
            """
    )

    @Option(help: ArgumentHelp("Which half of the visitor lines: dev, test or both.", valueName: "half"))
    var half = Half.both

    @Option(help: ArgumentHelp("Score one file of lines instead of the halves (one a line, or category<TAB>line).", valueName: "file"))
    var utterances: String?

    @Option(help: ArgumentHelp("The folder holding dev.tsv and test.tsv.", valueName: "dir"))
    var lines = "Evaluation"

    @Option(help: ArgumentHelp("Utterances per session.", valueName: "n"))
    var sessionLength = 10

    @Option(help: ArgumentHelp("retrieval, openai or anthropic. (env: CINEMA_DIRECTOR_KIND; default: retrieval)", valueName: "name"))
    var director: String?

    @Option(help: ArgumentHelp("Seed for the director's choices and the sheet's shuffle.", valueName: "n"))
    var seed = 7

    @Option(help: ArgumentHelp("Write sheet.tsv, key.json and turns.json into this folder.", valueName: "dir"))
    var judgeSheet: String?

    @Option(help: ArgumentHelp("Baselines judged beside the director: next, literal, or both (comma-separated).", valueName: "list"))
    var baselines = "next"

    @Option(help: ArgumentHelp("Score a judge's verdicts (ID<TAB>apt|not) with --key; repeat for more judges.", valueName: "file"))
    var verdicts: [String] = []

    @Option(help: ArgumentHelp("The key.json written with the judge sheet.", valueName: "file"))
    var key: String?

    @Flag(help: "Print the whole report as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    enum Half: String, ExpressibleByArgument, CaseIterable {
        case dev, test, both
    }

    func run() async throws {
        if !verdicts.isEmpty {
            try score()
            return
        }
        let systems = ["director"] + baselines.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for system in systems where !BlindJudging.systems.contains(system) {
            throw ValidationError("Unknown baseline \(system): say next, literal, or both as next,literal.")
        }
        var flags = ConfigOverrides()
        flags.set("director.kind", director)
        flags.set("director.seed", seed)
        let context = try await global.context(flags: flags)
        let library = try await context.openSpokenLibrary()
        let director = try await context.director(over: library)
        var reports: [(half: String, report: DirectorEvaluation.Report)] = []
        for (name, path) in files() {
            let lines: [String]
            do {
                lines = try DirectorEvaluation.utterances(fromFile: path)
            } catch {
                throw ValidationError("Could not read the visitor lines \(path): \(error.localizedDescription)")
            }
            reports.append(
                (name, try await DirectorEvaluation.run(director: director, library: library, utterances: lines, sessionLength: sessionLength))
            )
        }
        if let folder = judgeSheet {
            let sheet = BlindJudging.sheet(from: reports, systems: systems, seed: UInt64(seed))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(BlindJudging.text(of: sheet).utf8).write(to: URL(fileURLWithPath: folder + "/sheet.tsv"))
            try Data(try JSONOutput.encode(sheet.key).utf8).write(to: URL(fileURLWithPath: folder + "/key.json"))
            try Data(try JSONOutput.encode(reports.flatMap(\.report.turns)).utf8).write(to: URL(fileURLWithPath: folder + "/turns.json"))
        }
        if json {
            print(try JSONOutput.encode(Dictionary(uniqueKeysWithValues: reports.map { ($0.half, $0.report) })))
        } else {
            for (name, report) in reports {
                print(Self.text(report.summary, half: name, director: director.name, library: library.path))
            }
        }
    }

    /// The files to run: one given with --utterances, or the halves asked for.
    private func files() -> [(name: String, path: String)] {
        if let utterances { return [("all", utterances)] }
        let halves: [Half] = half == .both ? [.dev, .test] : [half]
        return halves.map { ($0.rawValue, "\(lines)/\($0.rawValue).tsv") }
    }

    private func score() throws {
        guard let key else { throw ValidationError("--verdicts needs --key, the key.json written with the sheet.") }
        let mapping: [String: BlindJudging.Origin]
        do {
            mapping = try JSONDecoder().decode([String: BlindJudging.Origin].self, from: Data(contentsOf: URL(fileURLWithPath: key)))
        } catch {
            throw ValidationError("Could not read the key \(key): \(error.localizedDescription)")
        }
        var judges: [(name: String, verdicts: [String: Bool])] = []
        for path in verdicts {
            do {
                judges.append(
                    (
                        URL(fileURLWithPath: path).lastPathComponent,
                        try BlindJudging.verdicts(try String(contentsOfFile: path, encoding: .utf8), key: mapping)
                    )
                )
            } catch let error as BlindJudging.VerdictError {
                throw ValidationError("\(path): \(error.description)")
            }
        }
        let origins = Set(mapping.values)
        let halves = Set(origins.map(\.half)).sorted()
        let systems = BlindJudging.systems.filter { system in origins.contains { $0.system == system } }
        for half in halves {
            print("\(half) half:")
            for system in systems {
                let origin = BlindJudging.Origin(system: system, half: half)
                let each = judges.map { BlindJudging.score($0.verdicts, key: mapping)[origin] ?? BlindJudging.Score(apt: 0, judged: 0) }
                let mean = each.map(\.rate).reduce(0, +) / Double(max(1, each.count))
                let detail = zip(judges, each).map { "\($0.name) \($1.apt)/\($1.judged)" }.joined(separator: ", ")
                print("  \(system): \(String(format: "%.0f", mean * 100))% apt (\(detail))")
            }
        }
        for first in judges.indices {
            for second in judges.indices where second > first {
                let agreement = BlindJudging.agreement(judges[first].verdicts, judges[second].verdicts)
                print(
                    "Judges \(judges[first].name) and \(judges[second].name) agree on \(agreement.agreed) of \(agreement.items) items "
                        + "(\(String(format: "%.0f", agreement.rate * 100))%, Cohen's kappa \(String(format: "%.2f", agreement.kappa)))."
                )
            }
        }
    }

    static func text(_ summary: DirectorEvaluation.Summary, half: String, director: String, library: String) -> String {
        func ms(_ p: Percentiles) -> String { String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", p.p50, p.p99, p.max) }
        func s(_ p: Percentiles) -> String {
            String(format: "p10 %.1f s, p50 %.1f s, p90 %.1f s, max %.1f s", p.p10, p.p50, p.p90, p.max)
        }
        return """
            [\(half)] Director \(director) over \(library): \(summary.turns) turns in \(summary.sessions) sessions.
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
