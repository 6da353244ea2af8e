import CinemaCore
import Foundation

/// A blind test of answers: the director's lines and two baselines' lines, shuffled together
/// under opaque ids, so that a judge marks each "apt" or not without knowing where it came from.
/// The key (id → system) is kept apart and only used to score the verdicts.
public enum BlindJudging {
    public static let systems = ["director", "literal", "next"]

    public struct Item: Sendable, Codable, Equatable {
        public var id: String
        public var utterance: String
        public var answer: String
    }

    public struct Sheet: Sendable, Codable {
        public var items: [Item]
        /// Item id → system.
        public var key: [String: String]
    }

    /// One item per system for every turn the visitor spoke, farewells included: a goodbye is
    /// answered too.
    public static func sheet(from report: DirectorEvaluation.Report, seed: UInt64) -> Sheet {
        var random = SeededRandom(seed: seed)
        var pending: [(system: String, utterance: String, answer: String)] = []
        for turn in report.turns {
            pending.append(("director", turn.utterance, turn.answer))
            pending.append(("literal", turn.utterance, turn.literal ?? "(nothing)"))
            pending.append(("next", turn.utterance, turn.next ?? "(nothing)"))
        }
        pending.shuffle(using: &random)
        var items: [Item] = []
        var key: [String: String] = [:]
        for (index, entry) in pending.enumerated() {
            let id = "J\(String(format: "%03d", index + 1))"
            items.append(Item(id: id, utterance: entry.utterance, answer: entry.answer.split(separator: "\n").joined(separator: " / ")))
            key[id] = entry.system
        }
        return Sheet(items: items, key: key)
    }

    /// The sheet a judge reads: `id<TAB>visitor said<TAB>TV answered`, one item a line.
    public static func text(of sheet: Sheet) -> String {
        (["id\tvisitor said\tTV answered"] + sheet.items.map { "\($0.id)\t\($0.utterance)\t\($0.answer)" }).joined(separator: "\n") + "\n"
    }

    public struct Score: Sendable, Codable, Equatable {
        public var apt: Int
        public var judged: Int
        public var rate: Double { judged == 0 ? 0 : Double(apt) / Double(judged) }
    }

    public enum VerdictError: Error, CustomStringConvertible, Equatable {
        case malformed(line: Int, text: String)
        case unknownItem(String)
        case missing([String])

        public var description: String {
            switch self {
            case .malformed(let line, let text):
                "Verdict line \(line) is not `ID<TAB>apt` or `ID<TAB>not`: \(text)"
            case .unknownItem(let id):
                "Verdict for \(id), which is not on the sheet."
            case .missing(let ids):
                "No verdict for \(ids.count) items, e.g. \(ids.prefix(5).joined(separator: ", "))."
            }
        }
    }

    /// Scores verdicts (`id<TAB>apt|not`, one a line; `#` comments allowed) against the key.
    public static func score(verdicts: String, key: [String: String]) throws(VerdictError) -> [String: Score] {
        var scores = Dictionary(uniqueKeysWithValues: systems.map { ($0, Score(apt: 0, judged: 0)) })
        var seen = Set<String>()
        for (number, raw) in verdicts.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("id\t") { continue }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," }).map { $0.lowercased() }
            guard fields.count >= 2, ["apt", "not"].contains(fields[1]) else { throw .malformed(line: number + 1, text: String(line)) }
            let id = fields[0].uppercased()
            guard let system = key[id] else { throw .unknownItem(id) }
            guard seen.insert(id).inserted else { continue }
            scores[system]?.judged += 1
            if fields[1] == "apt" { scores[system]?.apt += 1 }
        }
        let missing = key.keys.filter { !seen.contains($0) }.sorted()
        guard missing.isEmpty else { throw .missing(missing) }
        return scores
    }
}
