/// Reads Advanced SubStation Alpha (`.ass`) and its ancestor SubStation Alpha (`.ssa`).
///
/// Only `Dialogue:` events matter. Their fields follow the `[Events]` section's `Format:` line;
/// without one, the standard v4+ order is assumed. The text field is last and may contain commas.
enum ASSParser {
    private static let defaultFormat = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"]

    static func parse(_ text: Substring, into collector: inout CueCollector) {
        var format = defaultFormat
        var inEvents = false
        var sawSections = false
        for rawLine in LineSplitter.lines(of: text) {
            let line = rawLine.drop { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
            if line.hasPrefix("[") {
                sawSections = true
                inEvents = line.lowercased().hasPrefix("[events]")
                continue
            }
            // Files that lost their section headers still carry usable Dialogue lines.
            guard inEvents || !sawSections else { continue }
            if let fields = value(of: "Format", in: line) {
                let names = fields.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
                if names.contains("start"), names.contains("end"), names.last == "text" { format = names }
            } else if let fields = value(of: "Dialogue", in: line) {
                addDialogue(fields, format: format, into: &collector)
            }
        }
    }

    private static func value(of key: String, in line: Substring) -> Substring? {
        guard line.count > key.count, line.hasPrefix(key) else { return nil }
        let rest = line.dropFirst(key.count)
        guard rest.first == ":" else { return nil }
        return rest.dropFirst()
    }

    private static func addDialogue(_ fields: Substring, format: [String], into collector: inout CueCollector) {
        let values = fields.split(separator: ",", maxSplits: format.count - 1, omittingEmptySubsequences: false)
        guard values.count == format.count,
            let startIndex = format.firstIndex(of: "start"),
            let endIndex = format.firstIndex(of: "end")
        else {
            collector.addUnparseable()
            return
        }
        guard let start = TimestampParser.seconds(values[startIndex]), let end = TimestampParser.seconds(values[endIndex]) else {
            collector.addUnparseable()
            return
        }
        let speaker = format.firstIndex(of: "name").map { values[$0] }
        collector.add(start: start, end: end, lines: [values[values.count - 1]], speaker: speaker)
    }
}
