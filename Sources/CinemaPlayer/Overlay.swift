import Foundation

/// Words laid over a clip: what the visitor said (top, yellow, in italics) and the film's line
/// (bottom, white, as a subtitle would be).
///
/// It is handed to mpv as a small ASS subtitle file loaded with the clip, so it appears with
/// the clip's first frame, goes with its last, and is drawn wherever mpv draws subtitles
/// (the TV, a screenshot), which an OSD message is not.
public struct Overlay: Sendable, Equatable, Codable {
    public var visitor: String?
    public var line: String?

    public init(visitor: String? = nil, line: String? = nil) {
        self.visitor = visitor
        self.line = line
    }

    /// Nothing to show.
    public var isEmpty: Bool {
        (visitor?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "").isEmpty
            && (line?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "").isEmpty
    }

    /// The overlay as an ASS script, each text shown for as long as any clip lasts.
    public var assScript: String {
        var events: [String] = []
        if let visitor = Self.escaped(visitor) { events.append("Dialogue: 0,0:00:00.00,99:00:00.00,Visitor,,0,0,0,,“\(visitor)”") }
        if let line = Self.escaped(line) { events.append("Dialogue: 0,0:00:00.00,99:00:00.00,Line,,0,0,0,,\(line)") }
        return """
            [Script Info]
            ScriptType: v4.00+
            PlayResX: 1280
            PlayResY: 720
            WrapStyle: 0

            [V4+ Styles]
            Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
            Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
            MarginV, Encoding
            Style: Line,DejaVu Sans,48,&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,3,1,2,60,60,40,1
            Style: Visitor,DejaVu Sans,40,&H0000FFFF,&H00FFFFFF,&H00000000,&H80000000,0,1,0,0,100,100,0,0,1,3,1,8,60,60,40,1

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            \(events.joined(separator: "\n"))

            """
    }

    /// Text as ASS shows it literally: braces would start override tags and a backslash an
    /// escape, so they are replaced by look-alikes; line breaks become ASS's own. Long texts are
    /// cut: a subtitle is read at a glance.
    static func escaped(_ text: String?) -> String? {
        guard var text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        if text.count > 280 { text = String(text.prefix(279)) + "…" }
        var out = ""
        for character in text {
            switch character {
            case "{": out.append("(")
            case "}": out.append(")")
            case "\\": out.append("⧵")
            case "\r": continue
            // "\r\n" is one Character in Swift.
            case "\n", "\r\n": out.append("\\N")
            default: out.append(character)
            }
        }
        return out
    }

    /// Writes the script to a new file in `directory`; the caller removes it once mpv has read it.
    func write(in directory: URL) throws -> URL {
        let file = directory.appendingPathComponent("overlay-\(UUID().uuidString).ass")
        try Data(assScript.utf8).write(to: file, options: .atomic)
        return file
    }
}
