import CinemaCore

/// Writes cues as SubRip, the format every player reads.
public enum SubRipWriter {
    public struct Entry: Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String

        public init(start: Double, end: Double, text: String) {
            self.start = start
            self.end = end
            self.text = text
        }
    }

    public static func text(_ entries: [Entry]) -> String {
        var output = ""
        for (number, entry) in entries.enumerated() {
            output += "\(number + 1)\n"
            output += "\(Timecode.format(entry.start, millisecondSeparator: ",")) --> \(Timecode.format(entry.end, millisecondSeparator: ","))\n"
            // A blank line would end the cue early.
            output += entry.text.split(whereSeparator: \.isNewline).joined(separator: "\n") + "\n\n"
        }
        return output
    }
}
