import CinemaCore

/// Turns the raw lines of a cue into what was said.
///
/// Removes markup (HTML-ish tags, WebVTT spans and timestamps, ASS override blocks and vector
/// drawings, entities), sets hearing-impaired annotations (`[MUSIC]`, `(DOOR SLAMS)`) apart,
/// recognises sung lines (`♪ … ♪`, `# … #`), speaker dashes and `NAME:` labels, and subtitle
/// credits. What remains is plain text, one line per speaker turn.
///
/// It works on UTF-8 bytes: every piece of markup it looks for is ASCII, and a film has a couple
/// of thousand cues, so building Strings and scalar arrays per step was most of the cost of
/// indexing. Non-ASCII bytes are carried through untouched.
struct CueTextCleaner: Sendable {
    struct Cleaned: Equatable {
        var text: String
        var kind: CueKind
        var annotations: [String]
        var speakerTurns: Int
    }

    /// `nil` when nothing at all is left (an empty or markup-only cue).
    func clean(_ lines: [Substring], speaker: Substring? = nil) -> Cleaned? {
        var raw: [UInt8] = []
        for (index, line) in lines.enumerated() {
            if index > 0 { raw.append(Byte.newline) }
            raw.append(contentsOf: line.utf8)
        }
        var annotations: [String] = []
        var turns: [[UInt8]] = []
        var speakerTurns = 0
        var lyricLines = 0
        var spokenLines = 0

        for markupFree in Self.stripMarkup(raw).split(separator: Byte.newline) {
            var line = Self.extractAnnotations(from: markupFree, into: &annotations)
            Self.trim(&line)
            if line.isEmpty { continue }

            var startsTurn = false
            if Self.dropSpeakerDash(&line) { startsTurn = true }
            if Self.dropSpeakerLabel(&line) { startsTurn = true }
            let isLyric = Self.isLyric(line)
            if isLyric {
                Self.dropMusicMarks(&line)
                // A lone `♪` is the subtitler saying "music plays".
                if line.isEmpty { annotations.append("music") }
            }
            line = Self.collapsingSpaces(line)
            if line.isEmpty || !Self.hasWords(line) { continue }

            if isLyric { lyricLines += 1 } else { spokenLines += 1 }
            if startsTurn || turns.isEmpty {
                if startsTurn { speakerTurns += 1 }
                turns.append(line)
            } else {
                turns[turns.count - 1] += [Byte.space] + line
            }
        }
        if let speaker, speaker.utf8.contains(where: { !Byte.isSpace($0) }) { speakerTurns = max(speakerTurns, 1) }

        let separator = speakerTurns >= 2 ? Byte.newline : Byte.space
        let joined = Array(turns.joined(separator: [separator]))
        if joined.isEmpty {
            return annotations.isEmpty ? nil : Cleaned(text: "", kind: .annotation, annotations: annotations, speakerTurns: 0)
        }
        let kind: CueKind
        if Self.isCredit(joined) {
            kind = .credit
        } else if spokenLines == 0 && lyricLines > 0 {
            kind = .lyrics
        } else {
            kind = .speech
        }
        return Cleaned(text: String(decoding: joined, as: UTF8.self), kind: kind, annotations: annotations, speakerTurns: speakerTurns)
    }

    // MARK: Markup

    /// Removes tags, override blocks and entities; lines stay separated by `\n`.
    static func stripMarkup(_ input: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        var drawing = false
        var skipBracket: Int?
        while index < input.count {
            let byte = input[index]
            if index == skipBracket {
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "{"):
                // ASS override block; `\p1`…`\p4` starts a vector drawing whose "text" is coordinates.
                if let close = input[index...].prefix(400).firstIndex(of: UInt8(ascii: "}")) {
                    if let mode = drawingMode(in: input[(index + 1)..<close]) { drawing = mode > 0 }
                    index = close + 1
                    continue
                }
            case UInt8(ascii: "<"):
                switch tag(input, from: index) {
                case .markup(let end):
                    index = end + 1
                    continue
                case .bracketedText(let end):
                    skipBracket = end
                    index += 1
                    continue
                case nil:
                    break
                }
            case UInt8(ascii: "\\") where index + 1 < input.count:
                switch input[index + 1] {
                case UInt8(ascii: "N"), UInt8(ascii: "n"):
                    output.append(Byte.newline)
                    index += 2
                    continue
                case UInt8(ascii: "h"):
                    output.append(Byte.space)
                    index += 2
                    continue
                default: break
                }
            case UInt8(ascii: "&"):
                if let (decoded, length) = entity(input, at: index) {
                    if !drawing { output += decoded }
                    index += length
                    continue
                }
            case UInt8(ascii: "\t"):
                output.append(Byte.space)
                index += 1
                continue
            case _ where byte < 0x20 && byte != Byte.newline:
                // Carriage returns, NULs and other control characters from damaged files.
                index += 1
                continue
            default: break
            }
            if !drawing || byte == Byte.newline { output.append(byte) }
            index += 1
        }
        return output
    }

    /// `\p1` in an override block turns drawing on, `\p0` off; `nil` when the block has no `\p`.
    private static func drawingMode(in block: ArraySlice<UInt8>) -> Int? {
        var mode: Int?
        var index = block.startIndex
        while index + 2 < block.endIndex {
            if block[index] == UInt8(ascii: "\\") && block[index + 1] == UInt8(ascii: "p") {
                let digits = block[(index + 2)...].prefix { Byte.isDigit($0) }
                if !digits.isEmpty { mode = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
            }
            index += 1
        }
        return mode
    }

    /// Formatting tags that subtitle files use (SubRip's HTML subset, WebVTT's spans and ruby).
    private static let tagNames: Set<[UInt8]> = Set(
        ["i", "b", "u", "s", "em", "strong", "font", "c", "v", "lang", "ruby", "rt", "span", "br", "sub", "sup", "small", "big"].map {
            Array($0.utf8)
        }
    )

    enum Tag: Equatable {
        /// Markup to drop entirely, up to the index of its `>`.
        case markup(end: Int)
        /// `<Special train number 10 carrying>`: text that a subtitler put in angle brackets
        /// (a sign or a telegram); keep the words, drop the brackets.
        case bracketedText(end: Int)
    }

    /// What a `<` at `start` opens: `<i>`, `</font>`, `<font color="#fff">`, `<v Bob>`,
    /// `<c.yellow>`, `<00:00:01.000>` are markup; `I <3 you` and `a < b` are not tags at all.
    static func tag(_ input: [UInt8], from start: Int) -> Tag? {
        var index = start + 1
        if index < input.count, input[index] == UInt8(ascii: "/") { index += 1 }
        guard index < input.count else { return nil }
        var end = index
        while end < input.count, end - start < 300, input[end] != UInt8(ascii: ">") {
            if input[end] == UInt8(ascii: "<") || input[end] == Byte.newline { return nil }
            end += 1
        }
        guard end < input.count, input[end] == UInt8(ascii: ">") else { return nil }
        let first = input[index]
        if Byte.isDigit(first) {
            // Only WebVTT timestamp tags start with a digit; `<3` is a heart.
            return input[index..<end].contains(UInt8(ascii: ":")) ? .markup(end: end) : nil
        }
        guard Byte.isLetter(first) || first >= 0x80 else { return nil }
        let name = input[index..<end].prefix { Byte.isLetter($0) }.map { $0 | 0x20 }
        let next = index + name.count
        if tagNames.contains(name), next == end || [Byte.space, UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "\t")].contains(input[next]) {
            return .markup(end: end)
        }
        return .bracketedText(end: end)
    }

    private static let entities: [String: [UInt8]] = [
        "amp": Array("&".utf8), "lt": Array("<".utf8), "gt": Array(">".utf8), "quot": Array("\"".utf8), "apos": Array("'".utf8),
        "nbsp": [Byte.space], "lrm": [], "rlm": [], "#39": Array("'".utf8),
    ]

    private static func entity(_ input: [UInt8], at start: Int) -> ([UInt8], Int)? {
        guard let semicolon = input[start...].prefix(8).firstIndex(of: UInt8(ascii: ";")) else { return nil }
        let name = String(decoding: input[(start + 1)..<semicolon], as: UTF8.self)
        if let decoded = entities[name] { return (decoded, semicolon - start + 1) }
        if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
            return (Array(String(scalar).utf8), semicolon - start + 1)
        }
        return nil
    }

    // MARK: Annotations, speakers, lyrics

    /// Moves `[…]` and `(…)` spans out of the line into `annotations`.
    static func extractAnnotations(from line: ArraySlice<UInt8>, into annotations: inout [String]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(line.count)
        var index = line.startIndex
        while index < line.endIndex {
            let byte = line[index]
            let closing: UInt8? = byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : byte == UInt8(ascii: "(") ? UInt8(ascii: ")") : nil
            if let closing, let close = line[(index + 1)...].firstIndex(of: closing) {
                var inner = Array(line[(index + 1)..<close])
                trim(&inner)
                while inner.last == UInt8(ascii: ":") { inner.removeLast() }
                if !inner.isEmpty { annotations.append(String(decoding: inner, as: UTF8.self)) }
                index = close + 1
                continue
            }
            // An unclosed bracket is a broken annotation marker, not speech.
            if byte != UInt8(ascii: "[") && byte != UInt8(ascii: "]") { output.append(byte) }
            index += 1
        }
        return output
    }

    private static let enDash: [UInt8] = [0xE2, 0x80, 0x93]
    private static let emDash: [UInt8] = [0xE2, 0x80, 0x94]

    /// `- Hello` / `– Hello` / `-Hello` start a new speaker's turn; `--` and `...` do not.
    static func dropSpeakerDash(_ line: inout [UInt8]) -> Bool {
        let length: Int
        if line.first == UInt8(ascii: "-") {
            guard line.dropFirst().first != UInt8(ascii: "-") else { return false }
            length = 1
        } else if line.starts(with: enDash) || line.starts(with: emDash) {
            length = 3
        } else {
            return false
        }
        line.removeFirst(length)
        trim(&line)
        return true
    }

    /// `JOHN: Hello` or `MRS. SMITH: Hello` → `Hello`: upper-case names followed by a colon.
    static func dropSpeakerLabel(_ line: inout [UInt8]) -> Bool {
        guard let colon = line.prefix(33).firstIndex(of: UInt8(ascii: ":")), colon >= 2 else { return false }
        // "OK:" at the end of a line is speech, not a label.
        guard colon + 1 < line.count, line[colon + 1] == Byte.space || line[colon + 1] == UInt8(ascii: "\t") else { return false }
        let label = line[..<colon]
        var letters = 0
        for byte in label {
            if byte >= 0x41 && byte <= 0x5A {
                letters += 1
            } else if byte >= 0x80 {
                // A non-ASCII name ("JOSÉ"): ask Unicode about case.
                guard isUppercaseLabel(String(decoding: label, as: UTF8.self)) else { return false }
                letters = 2
                break
            } else if !(byte == Byte.space || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "#") || Byte.isDigit(byte))
            {
                return false
            }
        }
        guard letters >= 2 else { return false }
        line.removeFirst(colon + 1)
        trim(&line)
        return true
    }

    private static func isUppercaseLabel(_ label: String) -> Bool {
        var letters = 0
        for scalar in label.unicodeScalars {
            if scalar.properties.isLowercase { return false }
            if scalar.properties.isUppercase { letters += 1 }
        }
        return letters >= 2
    }

    /// ♩ ♪ ♫ ♬ are U+2669…U+266C: E2 99 A9…AC in UTF-8.
    private static func musicMark(in line: [UInt8], at index: Int) -> Bool {
        index + 2 < line.count && line[index] == 0xE2 && line[index + 1] == 0x99 && (0xA9...0xAC).contains(line[index + 2])
    }

    static func isLyric(_ line: [UInt8]) -> Bool {
        if line.indices.contains(where: { musicMark(in: line, at: $0) }) { return true }
        return line.count >= 2 && line.first == UInt8(ascii: "#") && (line.last == UInt8(ascii: "#") || line[1] == Byte.space)
    }

    static func dropMusicMarks(_ line: inout [UInt8]) {
        var output: [UInt8] = []
        var index = 0
        while index < line.count {
            if musicMark(in: line, at: index) {
                index += 3
                continue
            }
            output.append(line[index])
            index += 1
        }
        while output.first == UInt8(ascii: "#") || output.first.map(Byte.isSpace) == true { output.removeFirst() }
        while output.last == UInt8(ascii: "#") || output.last.map(Byte.isSpace) == true { output.removeLast() }
        line = output
    }

    /// Runs of spaces (and no-break spaces, C2 A0) become one space.
    static func collapsingSpaces(_ line: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(line.count)
        var lastWasSpace = true
        var index = 0
        while index < line.count {
            var width = 0
            if Byte.isSpace(line[index]) {
                width = 1
            } else if line[index] == 0xC2, index + 1 < line.count, line[index + 1] == 0xA0 {
                width = 2
            }
            if width > 0 {
                if !lastWasSpace { output.append(Byte.space) }
                lastWasSpace = true
                index += width
            } else {
                output.append(line[index])
                lastWasSpace = false
                index += 1
            }
        }
        if output.last == Byte.space { output.removeLast() }
        return output
    }

    /// Whether anything in the line is a letter or digit, not only punctuation like "." or "…".
    static func hasWords(_ line: [UInt8]) -> Bool {
        if line.contains(where: { Byte.isLetter($0) || Byte.isDigit($0) }) { return true }
        guard line.contains(where: { $0 >= 0x80 }) else { return false }
        return String(decoding: line, as: UTF8.self).unicodeScalars.contains {
            $0.properties.isAlphabetic || $0.properties.numericType != nil
        }
    }

    static func trim(_ line: inout [UInt8]) {
        while let last = line.last, Byte.isSpace(last) { line.removeLast() }
        if let first = line.firstIndex(where: { !Byte.isSpace($0) }) {
            line.removeFirst(first)
        } else {
            line.removeAll()
        }
    }

    private static let creditMarkers: [[UInt8]] = [
        "opensubtitles", "subtitles by", "subtitle by", "subtitled by", "subtitles:", "synced by", "sync by", "synced and corrected",
        "sync and correct", "corrected by", "ripped by", "captioned by", "captioning by", "captions by", "captioning made possible",
        "transcript by", "transcribed by", "translated by", "translation by", "encoded by", "resync", "subscene", "addic7ed",
        "red bee media", "www.", "http://", "https://", ".com", ".org", ".net",
    ].map { Array($0.utf8) }

    static func isCredit(_ text: String) -> Bool {
        isCredit(Array(text.utf8))
    }

    static func isCredit(_ text: [UInt8]) -> Bool {
        // ASCII lower-casing is enough: every marker is ASCII.
        let lower = text.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return lower.withUnsafeBufferPointer { bytes in
            creditMarkers.contains { ByteSearch.firstOffset(of: $0, in: bytes) != nil }
        }
    }
}

/// ASCII byte classes the cleaner and parsers use.
enum Byte {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}

extension StringProtocol {
    /// Trims whitespace at both ends, without Foundation.
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
