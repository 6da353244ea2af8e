import CinemaCore
import Foundation

/// A blind test of answers: the director's lines and the baselines' lines, shuffled together
/// under opaque ids, so that a judge marks each "apt" or not without knowing where it came from.
/// The key (id → system and half) is kept apart and only used to score the verdicts.
public enum BlindJudging {
    /// Every system a sheet can carry: the director, the line after the best full-text match
    /// ("next", the naive baseline the director must beat), and that match itself ("literal").
    public static let systems = ["director", "next", "literal"]

    public struct Item: Sendable, Codable, Equatable {
        public var id: String
        public var utterance: String
        public var answer: String
    }

    /// Where an item came from: the system that answered and the half of the visitor lines
    /// (`dev`, tuned on; `test`, only scored) it answered.
    public struct Origin: Sendable, Codable, Equatable, Hashable {
        public var system: String
        public var half: String

        public init(system: String, half: String) {
            self.system = system
            self.half = half
        }

        /// Keys written before the halves existed hold only the system's name.
        public init(from decoder: any Decoder) throws {
            if let system = try? decoder.singleValueContainer().decode(String.self) {
                self.init(system: system, half: "all")
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(system: try container.decode(String.self, forKey: .system), half: try container.decode(String.self, forKey: .half))
        }
    }

    public struct Sheet: Sendable, Codable {
        public var items: [Item]
        public var key: [String: Origin]
    }

    /// One item per system for every turn the visitor spoke, farewells included (a goodbye is
    /// answered too), from every half's report, all shuffled together.
    public static func sheet(from reports: [(half: String, report: DirectorEvaluation.Report)], systems: [String], seed: UInt64) -> Sheet {
        var random = SeededRandom(seed: seed)
        var pending: [(origin: Origin, utterance: String, answer: String)] = []
        for (half, report) in reports {
            for turn in report.turns {
                for system in systems {
                    let answer =
                        switch system {
                        case "director": turn.answer
                        case "literal": turn.literal
                        default: turn.next
                        }
                    pending.append((Origin(system: system, half: half), turn.utterance, answer ?? "(nothing)"))
                }
            }
        }
        pending.shuffle(using: &random)
        var items: [Item] = []
        var key: [String: Origin] = [:]
        let digits = max(3, String(pending.count).count)
        for (index, entry) in pending.enumerated() {
            let number = String(index + 1)
            let id = "J" + String(repeating: "0", count: max(0, digits - number.count)) + number
            items.append(Item(id: id, utterance: entry.utterance, answer: entry.answer.split(separator: "\n").joined(separator: " / ")))
            key[id] = entry.origin
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

        public init(apt: Int, judged: Int) {
            self.apt = apt
            self.judged = judged
        }
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

    /// Reads verdicts (`id<TAB>apt|not`, one a line; `#` comments allowed) for the items of `key`:
    /// item id → apt. Every item must have one.
    public static func verdicts(_ text: String, key: [String: Origin]) throws(VerdictError) -> [String: Bool] {
        var verdicts: [String: Bool] = [:]
        for (number, raw) in text.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("id\t") { continue }
            let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " || $0 == "," }).map { $0.lowercased() }
            guard fields.count >= 2, ["apt", "not"].contains(fields[1]) else { throw .malformed(line: number + 1, text: String(line)) }
            let id = fields[0].uppercased()
            guard key[id] != nil else { throw .unknownItem(id) }
            if verdicts[id] == nil { verdicts[id] = fields[1] == "apt" }
        }
        let missing = key.keys.filter { verdicts[$0] == nil }.sorted()
        guard missing.isEmpty else { throw .missing(missing) }
        return verdicts
    }

    /// How many of each system's answers, in each half, the verdicts call apt.
    public static func score(_ verdicts: [String: Bool], key: [String: Origin]) -> [Origin: Score] {
        var scores: [Origin: Score] = [:]
        for (id, apt) in verdicts {
            guard let origin = key[id] else { continue }
            scores[origin, default: Score(apt: 0, judged: 0)].judged += 1
            if apt { scores[origin, default: Score(apt: 0, judged: 0)].apt += 1 }
        }
        return scores
    }

    /// How far two judges agree on the same items: the share of items marked alike, and Cohen's
    /// kappa (agreement beyond what two judges marking at their own rates would reach by chance).
    public struct Agreement: Sendable, Codable, Equatable {
        public var items: Int
        public var agreed: Int
        public var kappa: Double
        public var rate: Double { items == 0 ? 0 : Double(agreed) / Double(items) }
    }

    public static func agreement(_ first: [String: Bool], _ second: [String: Bool]) -> Agreement {
        let shared = Set(first.keys).intersection(second.keys)
        guard !shared.isEmpty else { return Agreement(items: 0, agreed: 0, kappa: 0) }
        let count = Double(shared.count)
        let agreed = shared.filter { first[$0] == second[$0] }.count
        let firstApt = Double(shared.filter { first[$0] == true }.count) / count
        let secondApt = Double(shared.filter { second[$0] == true }.count) / count
        let chance = firstApt * secondApt + (1 - firstApt) * (1 - secondApt)
        let observed = Double(agreed) / count
        return Agreement(items: shared.count, agreed: agreed, kappa: chance >= 1 ? 1 : (observed - chance) / (1 - chance))
    }
}
