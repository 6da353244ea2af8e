import CinemaCore

/// One short film of the demo library, as written: who is in it, how each of them sounds, and
/// the script.
public struct DemoFilm: Sendable, Equatable {
    /// The file name without extension, e.g. `Good_Evening_Stranger_1947`.
    public let slug: String
    public let title: String
    public let year: Int
    /// The title card's background, as ffmpeg colour syntax (`0x1d2529`).
    public let background: String
    public let cast: [String: Voice]
    public let lines: [Line]

    public struct Voice: Sendable, Equatable {
        /// An espeak-ng voice with a variant, e.g. `en-gb+f3`.
        public var name: String
        /// espeak-ng pitch, 0–99.
        public var pitch: Int
        /// Words per minute.
        public var speed: Int
    }

    public struct Line: Sendable, Equatable {
        public var speaker: String
        public var text: String
        /// A scene break comes before this line: a longer pause.
        public var newScene: Bool
    }

    /// The title as it appears on screen and in the video's metadata.
    public var displayTitle: String { "\(title) (\(year))" }

    /// `script` is one `SPEAKER: line` per line; a line of `--` is a scene break.
    init(slug: String, title: String, year: Int, background: String, cast: [String: Voice], script: String) {
        self.slug = slug
        self.title = title
        self.year = year
        self.background = background
        self.cast = cast
        var lines: [Line] = []
        var newScene = false
        for raw in script.split(separator: "\n") {
            let line = raw.trimmingSpaces()
            if line.isEmpty { continue }
            if line == "--" {
                newScene = true
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                preconditionFailure("Demo script line without a speaker in \(slug): \(line)")
            }
            let speaker = String(line[..<colon])
            precondition(cast[speaker] != nil, "Demo script speaker \(speaker) has no voice in \(slug)")
            lines.append(Line(speaker: speaker, text: line[line.index(after: colon)...].trimmingSpaces(), newScene: newScene))
            newScene = false
        }
        self.lines = lines
    }

    /// A stable fingerprint of everything that shapes the film's picture and sound, so that an
    /// unchanged film is not rendered again.
    func fingerprint(generator: String) -> String {
        var text = "\(generator)|\(slug)|\(title)|\(year)|\(background)|"
        for (name, voice) in cast.sorted(by: { $0.key < $1.key }) { text += "\(name)=\(voice.name),\(voice.pitch),\(voice.speed)|" }
        for line in lines { text += "\(line.newScene)|\(line.speaker)|\(line.text)\n" }
        return String(StableHash.fnv1a(text), radix: 16)
    }
}
