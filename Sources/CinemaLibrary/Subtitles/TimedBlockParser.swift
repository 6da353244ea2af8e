/// Reads SubRip and WebVTT, whose cues share one shape: an optional identifier line, a timing
/// line `start --> end [settings]`, text lines, a blank line.
///
/// Real files break every part of that, so the grammar is lenient: identifiers may be missing,
/// blank lines between cues may be missing (a new timing line, or an index followed by one, ends
/// the cue), the arrow may be `->`, and WebVTT's header, `NOTE`, `STYLE` and `REGION` blocks are
/// skipped because they never follow a timing line.
enum TimedBlockParser {
    static func parse(_ text: Substring, into collector: inout CueCollector) {
        let lines = LineSplitter.lines(of: text)
        var index = 0
        while index < lines.count {
            let timing = TimingLine.classify(lines[index])
            guard timing != .notTiming else {
                index += 1
                continue
            }
            index += 1
            let textStart = index
            while index < lines.count {
                let line = lines[index]
                if line.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { break }
                if TimingLine.classify(line) != .notTiming { break }
                if isIndex(line), index + 1 < lines.count, TimingLine.classify(lines[index + 1]) != .notTiming { break }
                index += 1
            }
            switch timing {
            case .cue(let start, let end):
                collector.add(start: start, end: end, lines: Array(lines[textStart..<index]))
            case .malformed:
                collector.addUnparseable()
            case .notTiming:
                break
            }
        }
    }

    private static func isIndex(_ line: Substring) -> Bool {
        let trimmed = line.utf8.drop { $0 == 0x20 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }
        return !trimmed.isEmpty && trimmed.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

enum TimingLine: Equatable {
    case cue(start: Double, end: Double)
    /// It has an arrow, so it was meant as timing, but the times cannot be read.
    case malformed
    case notTiming

    private static let longArrow = Array("-->".utf8)
    private static let shortArrow = Array("->".utf8)

    static func classify(_ line: Substring) -> TimingLine {
        let arrow: Range<Substring.Index>
        if let long = ByteSearch.firstRange(of: longArrow, in: line) {
            arrow = long
        } else if let short = ByteSearch.firstRange(of: shortArrow, in: line), looksTimed(line[..<short.lowerBound]) {
            arrow = short
        } else {
            return .notTiming
        }
        let startText = line[..<arrow.lowerBound]
        // After the end time come WebVTT settings (`align:start`) or SubRip coordinates (`X1:40`).
        let endText = line[arrow.upperBound...].prefix { $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "," || $0 == "." || $0.isWhitespace) }
        guard let start = TimestampParser.seconds(startText), let end = TimestampParser.seconds(endText) else {
            return .malformed
        }
        return .cue(start: start, end: end)
    }

    /// Guards the `->` fallback so that prose such as "A -> B" is not mistaken for timing.
    private static func looksTimed(_ text: Substring) -> Bool {
        text.contains(":") && text.contains(where: \.isNumber)
    }
}

/// Splits text into lines on LF, CRLF or lone CR, keeping empty lines (they end cues).
enum LineSplitter {
    static func lines(of text: Substring) -> [Substring] {
        var lines: [Substring] = []
        var lineStart = text.startIndex
        var index = text.startIndex
        let utf8 = text.utf8
        while index < text.endIndex {
            let byte = utf8[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(text[lineStart..<index])
                var next = utf8.index(after: index)
                if byte == 0x0D, next < text.endIndex, utf8[next] == 0x0A {
                    next = utf8.index(after: next)
                }
                index = next
                lineStart = next
            } else {
                index = utf8.index(after: index)
            }
        }
        if lineStart < text.endIndex {
            lines.append(text[lineStart...])
        }
        return lines
    }
}
