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
            #expect(paths[0] == "reply (words)" && paths[1] == "reply (words)")
            #expect(report.turns[1].matched == "Do you believe in ghosts?")
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
            let halves = [(half: "dev", report: report), (half: "test", report: report)]
            let sheet = BlindJudging.sheet(from: halves, systems: ["director", "next", "literal"], seed: 1)
            #expect(sheet.items.count == 36)
            #expect(Set(sheet.key.values.map(\.system)) == ["director", "literal", "next"])
            #expect(Set(sheet.key.values.map(\.half)) == ["dev", "test"])
            let text = BlindJudging.text(of: sheet)
            #expect(!text.contains("director") && !text.contains("literal") && !text.contains("dev"))
            // The same seed shuffles the same way; another seed differently.
            #expect(BlindJudging.sheet(from: halves, systems: ["director", "next", "literal"], seed: 1).items == sheet.items)
            #expect(
                BlindJudging.sheet(from: halves, systems: ["director", "next", "literal"], seed: 2).items.map(\.answer) != sheet.items.map(\.answer)
            )
            #expect(BlindJudging.sheet(from: halves, systems: ["director", "next"], seed: 1).items.count == 24)

            let marks = sheet.items.map { "\($0.id)\t\(sheet.key[$0.id]?.system == "director" ? "apt" : "not")" }.joined(separator: "\n")
            let verdicts = try BlindJudging.verdicts("# judged by hand\nid\tverdict\n" + marks, key: sheet.key)
            let scores = BlindJudging.score(verdicts, key: sheet.key)
            #expect(scores[BlindJudging.Origin(system: "director", half: "test")] == BlindJudging.Score(apt: 6, judged: 6))
            #expect(scores[BlindJudging.Origin(system: "literal", half: "dev")]?.rate == 0)

            // A second judge who differs on one item in four.
            var other = verdicts
            for id in sheet.items.map(\.id).prefix(9) { other[id]?.toggle() }
            let agreement = BlindJudging.agreement(verdicts, other)
            #expect(agreement.items == 36 && agreement.agreed == 27)
            #expect(agreement.kappa > 0 && agreement.kappa < 0.75)
            #expect(BlindJudging.agreement(verdicts, verdicts).kappa == 1)

            #expect(throws: BlindJudging.VerdictError.malformed(line: 1, text: "J001 maybe")) {
                try BlindJudging.verdicts("J001 maybe", key: sheet.key)
            }
            #expect(throws: BlindJudging.VerdictError.unknownItem("J999")) { try BlindJudging.verdicts("J999\tapt", key: sheet.key) }
            #expect(throws: BlindJudging.VerdictError.self) { try BlindJudging.verdicts("J001\tapt", key: sheet.key) }
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
