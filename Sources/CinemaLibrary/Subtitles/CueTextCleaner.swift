import CinemaCore

/// Turns the raw lines of a cue into what was said.
///
/// Removes markup (HTML-ish tags, WebVTT spans and timestamps, ASS override blocks and vector
/// drawings, entities), sets hearing-impaired annotations (`[MUSIC]`, `(DOOR SLAMS)`) apart,
/// recognises sung lines (`♪ … ♪`, `# … #`), speaker dashes and `NAME:` labels, and subtitle
/// credits. What remains is plain text, one line per speaker turn.
struct CueTextCleaner: Sendable {
    struct Cleaned: Equatable {
        var text: String
        var kind: CueKind
        var annotations: [String]
        var speakerTurns: Int
    }

    /// `nil` when nothing at all is left (an empty or markup-only cue).
    func clean(_ lines: [Substring], speaker: Substring? = nil) -> Cleaned? {
        var annotations: [String] = []
        var turns: [String] = []
        var speakerTurns = 0
        var lyricLines = 0
        var spokenLines = 0
        let explicitSpeaker = speaker.map { $0.trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 }

        for line in Self.stripMarkup(lines.joined(separator: "\n")) {
            var scalars = Array(line.unicodeScalars)
            Self.extractAnnotations(from: &scalars, into: &annotations)
            var text = String(String.UnicodeScalarView(scalars)).trimmingSpaces()
            if text.isEmpty { continue }

            var startsTurn = false
            if let afterDash = Self.droppingSpeakerDash(text) {
                text = afterDash
                startsTurn = true
            }
            if let afterLabel = Self.droppingSpeakerLabel(text) {
                text = afterLabel
                startsTurn = true
            }
            let isLyric = Self.isLyric(text)
            if isLyric {
                text = Self.droppingMusicMarks(text)
                // A lone `♪` is the subtitler saying "music plays".
                if text.isEmpty { annotations.append("music") }
            }
            text = Self.collapsingSpaces(text)
            if text.isEmpty || text.unicodeScalars.allSatisfy({ Self.isPunctuationOrSymbol($0) }) { continue }

            if isLyric { lyricLines += 1 } else { spokenLines += 1 }
            if startsTurn || turns.isEmpty {
                if startsTurn { speakerTurns += 1 }
                turns.append(text)
            } else {
                turns[turns.count - 1] += " " + text
            }
        }
        if explicitSpeaker != nil { speakerTurns = max(speakerTurns, 1) }

        let text = speakerTurns >= 2 ? turns.joined(separator: "\n") : turns.joined(separator: " ")
        if text.isEmpty {
            return annotations.isEmpty ? nil : Cleaned(text: "", kind: .annotation, annotations: annotations, speakerTurns: 0)
        }
        let kind: CueKind
        if Self.isCredit(text) {
            kind = .credit
        } else if spokenLines == 0 && lyricLines > 0 {
            kind = .lyrics
        } else {
            kind = .speech
        }
        return Cleaned(text: text, kind: kind, annotations: annotations, speakerTurns: speakerTurns)
    }

    // MARK: Markup

    /// Removes tags, override blocks and entities; returns the lines that remain.
    static func stripMarkup(_ raw: String) -> [Substring] {
        var output = String.UnicodeScalarView()
        var input = Array(raw.unicodeScalars)
        var index = 0
        var drawing = false
        while index < input.count {
            let scalar = input[index]
            switch scalar {
            case "{":
                // ASS override block; `\p1`…`\p4` starts a vector drawing whose "text" is coordinates.
                if let close = input[index...].firstIndex(of: "}"), close - index < 400 {
                    let block = String(String.UnicodeScalarView(input[(index + 1)..<close]))
                    if let mode = drawingMode(in: block) { drawing = mode > 0 }
                    index = close + 1
                    continue
                }
            case "<":
                switch tag(input, from: index) {
                case .markup(let end):
                    index = end + 1
                    continue
                case .bracketedText(let end):
                    input.remove(at: end)
                    index += 1
                    continue
                case nil:
                    break
                }
            case "\\" where index + 1 < input.count:
                switch input[index + 1] {
                case "N", "n":
                    output.append("\n")
                    index += 2
                    continue
                case "h":
                    output.append(" ")
                    index += 2
                    continue
                default: break
                }
            case "&":
                if let (decoded, length) = entity(input, at: index) {
                    if !drawing { output.append(contentsOf: decoded.unicodeScalars) }
                    index += length
                    continue
                }
            case "\t":
                output.append(" ")
                index += 1
                continue
            case _ where scalar.value < 0x20 && scalar != "\n":
                // NULs and other control characters from damaged files.
                index += 1
                continue
            default: break
            }
            if !drawing || scalar == "\n" { output.append(scalar) }
            index += 1
        }
        return String(output).split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// `\p1` in an override block turns drawing on, `\p0` off; `nil` when the block has no `\p`.
    private static func drawingMode(in block: String) -> Int? {
        var mode: Int?
        var rest = Substring(block)
        while let range = rest.firstRange(of: "\\p") {
            let digits = rest[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if let value = Int(digits) { mode = value }
            rest = rest[range.upperBound...]
        }
        return mode
    }

    /// Formatting tags that subtitle files use (SubRip's HTML subset, WebVTT's spans and ruby).
    private static let tagNames: Set<String> = [
        "i", "b", "u", "s", "em", "strong", "font", "c", "v", "lang", "ruby", "rt", "span", "br", "sub", "sup", "small", "big",
    ]

    enum Tag {
        /// Markup to drop entirely, up to the index of its `>`.
        case markup(end: Int)
        /// `<Special train number 10 carrying>`: text that a subtitler put in angle brackets
        /// (a sign or a telegram); keep the words, drop the brackets.
        case bracketedText(end: Int)
    }

    /// What a `<` at `start` opens: `<i>`, `</font>`, `<font color="#fff">`, `<v Bob>`,
    /// `<c.yellow>`, `<00:00:01.000>` are markup; `I <3 you` and `a < b` are not tags at all.
    static func tag(_ input: [Unicode.Scalar], from start: Int) -> Tag? {
        var index = start + 1
        if index < input.count, input[index] == "/" { index += 1 }
        guard index < input.count else { return nil }
        var end = index
        while end < input.count, end - start < 300, input[end] != ">" {
            if input[end] == "<" || input[end] == "\n" { return nil }
            end += 1
        }
        guard end < input.count, input[end] == ">" else { return nil }
        let first = input[index]
        if first.value >= 0x30 && first.value <= 0x39 {
            // Only WebVTT timestamp tags start with a digit; `<3` is a heart.
            return input[index..<end].contains(":") ? .markup(end: end) : nil
        }
        guard first.properties.isAlphabetic else { return nil }
        let name = String(String.UnicodeScalarView(input[index..<end].prefix { $0.properties.isAlphabetic })).lowercased()
        let next = index + name.unicodeScalars.count
        if tagNames.contains(name), next == end || [" ", ".", "/", "\t"].contains(input[next]) {
            return .markup(end: end)
        }
        return .bracketedText(end: end)
    }

    private static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "lrm": "", "rlm": "", "#39": "'",
    ]

    private static func entity(_ input: [Unicode.Scalar], at start: Int) -> (String, Int)? {
        guard let semicolon = input[start...].prefix(8).firstIndex(of: ";") else { return nil }
        let name = String(String.UnicodeScalarView(input[(start + 1)..<semicolon]))
        if let decoded = entities[name] { return (decoded, semicolon - start + 1) }
        if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
            return (String(scalar), semicolon - start + 1)
        }
        return nil
    }

    // MARK: Annotations, speakers, lyrics

    /// Moves `[…]` and `(…)` spans out of the line into `annotations`.
    static func extractAnnotations(from scalars: inout [Unicode.Scalar], into annotations: inout [String]) {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let closing: Unicode.Scalar? = scalar == "[" ? "]" : scalar == "(" ? ")" : nil
            if let closing, let close = scalars[(index + 1)...].firstIndex(of: closing) {
                let inner = String(String.UnicodeScalarView(scalars[(index + 1)..<close])).trimmingSpaces()
                let trimmed = inner.trimmingScalars(in: ":")
                if !trimmed.isEmpty { annotations.append(trimmed) }
                index = close + 1
                continue
            }
            if scalar == "[" || scalar == "]" {
                // An unclosed bracket is a broken annotation marker, not speech.
                index += 1
                continue
            }
            output.append(scalar)
            index += 1
        }
        scalars = output
    }

    /// `- Hello` / `– Hello` / `-Hello` start a new speaker's turn; `--` and `...` do not.
    static func droppingSpeakerDash(_ line: String) -> String? {
        guard let first = line.unicodeScalars.first, first == "-" || first == "\u{2013}" || first == "\u{2014}" else { return nil }
        let rest = line.unicodeScalars.dropFirst()
        if first == "-", rest.first == "-" { return nil }
        return String(String.UnicodeScalarView(rest)).trimmingSpaces()
    }

    /// `JOHN: Hello` or `MRS. SMITH: Hello` → `Hello`: upper-case names followed by a colon.
    static func droppingSpeakerLabel(_ line: String) -> String? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let label = line[..<colon]
        guard label.count >= 2, label.count <= 32 else { return nil }
        var letters = 0
        for scalar in label.unicodeScalars {
            if scalar.properties.isUppercase {
                letters += 1
            } else if scalar.properties.isLowercase {
                return nil
            } else if !(scalar == " " || scalar == "." || scalar == "'" || scalar == "-" || scalar == "#"
                || (scalar.value >= 0x30 && scalar.value <= 0x39))
            {
                return nil
            }
        }
        guard letters >= 2 else { return nil }
        let rest = line[line.index(after: colon)...]
        // "OK:" at the end of a line is speech, not a label.
        guard let next = rest.first, next == " " || next == "\t" else { return nil }
        return rest.trimmingSpaces()
    }

    private static let musicMarks: Set<Unicode.Scalar> = ["\u{266A}", "\u{266B}", "\u{266C}", "\u{2669}"]

    static func isLyric(_ line: String) -> Bool {
        if line.unicodeScalars.contains(where: { musicMarks.contains($0) }) { return true }
        return line.count >= 2 && line.hasPrefix("#") && (line.hasSuffix("#") || line.dropFirst().first == " ")
    }

    static func droppingMusicMarks(_ line: String) -> String {
        var scalars = line.unicodeScalars.filter { !musicMarks.contains($0) }
        while scalars.first == "#" || scalars.first == " " { scalars.removeFirst() }
        while scalars.last == "#" || scalars.last == " " { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    static func collapsingSpaces(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace
            if isSpace {
                if !lastWasSpace { output.append(" ") }
            } else {
                output.append(scalar)
            }
            lastWasSpace = isSpace
        }
        if output.last == " " { output.removeLast() }
        return String(output)
    }

    static func isPunctuationOrSymbol(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .spaceSeparator:
            return true
        default:
            return false
        }
    }

    private static let creditMarkers = [
        "opensubtitles", "subtitles by", "subtitle by", "subtitled by", "subtitles:", "synced by", "sync by", "synced and corrected",
        "sync and correct", "corrected by", "ripped by", "captioned by", "captioning by", "captions by", "captioning made possible",
        "transcript by", "transcribed by", "translated by", "translation by", "encoded by", "resync", "subscene", "addic7ed",
        "red bee media", "www.", "http://", "https://", ".com", ".org", ".net",
    ]

    static func isCredit(_ text: String) -> Bool {
        let lower = text.lowercased()
        return creditMarkers.contains { lower.contains($0) }
    }
}

extension StringProtocol {
    /// Trims spaces, tabs and other whitespace (not newlines inside), without Foundation.
    func trimmingSpaces() -> String {
        trimmingScalars(where: { $0.properties.isWhitespace })
    }

    func trimmingScalars(in set: String) -> String {
        trimmingScalars(where: { set.unicodeScalars.contains($0) })
    }

    private func trimmingScalars(where predicate: (Unicode.Scalar) -> Bool) -> String {
        let scalars = Substring(self).unicodeScalars
        guard let first = scalars.firstIndex(where: { !predicate($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !predicate($0) })!
        return String(scalars[first...last])
    }
}
