import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaDirector

@Suite("Evaluation")
struct EvaluationTests {
    static let utterances = ["Who are you?", "Do you believe in ghosts?", "I'm so tired today.", "Xyzzy plugh.", "Thank you!", "Goodbye."]

    @Test("A run reports kinds, paths, repeats, films, clip lengths and latency")
    func run() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, director) = try await DirectorTestLibrary.make(directory)
            try await director.prepare()
            let report = try await DirectorEvaluation.run(director: director, library: library, utterances: Self.utterances, sessionLength: 3)
            #expect(report.summary.turns == 6)
            #expect(report.summary.sessions == 2)
            #expect(report.summary.repeatsWithinSessions == 0)
            let paths = report.turns.map(\.path)
            #expect(paths[0] == "matched reply" && paths[1] == "matched reply")
            // "Tired?" comes from the film the greeting came from, so the distress reaction may win.
            #expect(["retort", "reaction"].contains(paths[2]))
            #expect(Array(paths[3...]) == ["fallback", "reaction", "farewell"])
            #expect(report.summary.paths.values.reduce(0, +) == 6)
            #expect(report.summary.kinds["farewell"] == 1)
            #expect(abs(report.summary.replyShare - 4.0 / 5.0) < 1e-9)
            #expect(report.summary.decisionMilliseconds.max > 0)
            #expect(report.summary.speechSeconds.p50 > 0.5)
            // The baselines: the best literal match, and the line after it.
            let ghosts = try #require(report.turns.first { $0.utterance == "Do you believe in ghosts?" })
            #expect(ghosts.literal == "Do you believe in ghosts?")
            #expect(ghosts.next == "Only on Tuesdays.")
        }
    }

    @Test("The judging sheet hides where each answer came from; verdicts are scored by the key alone")
    func judging() async throws {
        try await TemporaryDirectory.with { directory in
            let (library, director) = try await DirectorTestLibrary.make(directory)
            let report = try await DirectorEvaluation.run(director: director, library: library, utterances: Self.utterances)
            let sheet = BlindJudging.sheet(from: report, seed: 1)
            #expect(sheet.items.count == 18)
            #expect(Set(sheet.key.values) == ["director", "literal", "next"])
            let text = BlindJudging.text(of: sheet)
            #expect(!text.contains("director") && !text.contains("literal"))
            // The same seed shuffles the same way; another seed differently.
            #expect(BlindJudging.sheet(from: report, seed: 1).items == sheet.items)
            #expect(BlindJudging.sheet(from: report, seed: 2).items.map(\.answer) != sheet.items.map(\.answer))

            let verdicts = sheet.items.map { "\($0.id)\t\(sheet.key[$0.id] == "director" ? "apt" : "not")" }.joined(separator: "\n")
            let scores = try BlindJudging.score(verdicts: "# judged by hand\nid\tverdict\n" + verdicts, key: sheet.key)
            #expect(scores["director"] == BlindJudging.Score(apt: 6, judged: 6))
            #expect(scores["literal"]?.rate == 0)

            #expect(throws: BlindJudging.VerdictError.malformed(line: 1, text: "J001 maybe")) {
                try BlindJudging.score(verdicts: "J001 maybe", key: sheet.key)
            }
            #expect(throws: BlindJudging.VerdictError.unknownItem("J999")) { try BlindJudging.score(verdicts: "J999\tapt", key: sheet.key) }
            #expect(throws: BlindJudging.VerdictError.self) { try BlindJudging.score(verdicts: "J001\tapt", key: sheet.key) }
        }
    }

    @Test("The shipped utterances: at least 150, one a line, comments skipped")
    func shippedUtterances() throws {
        let lines = try DirectorEvaluation.utterances(fromFile: SharedData.packageRoot + "/Evaluation/utterances.txt")
        #expect(lines.count >= 150)
        #expect(!lines.contains { $0.hasPrefix("#") || $0.isEmpty })
        #expect(Set(lines).count == lines.count)
    }
}
