public import Configuration

/// How the library cuts clips and links replies. Read from the `clip.*` and `library.*` keys
/// (`CINEMA_CLIP_PAD_BEFORE`, …); the defaults suit ordinary film subtitles.
public struct LibraryConfiguration: Sendable, Equatable {
    /// Seconds added before a cue so that the first word is not clipped.
    public var padBefore: Double = 0.3
    /// Seconds added after a cue so that the last word can ring out.
    public var padAfter: Double = 0.5
    /// A cue's reply is the next spoken cue that starts within this many seconds of its end.
    public var replyWindow: Double = 5.0
    /// How many clips a search returns unless asked otherwise.
    public var searchLimit: Int = 10
    /// External programs, found on `PATH` unless given as absolute paths.
    public var ffprobe: String = "ffprobe"
    public var ffmpeg: String = "ffmpeg"

    public init() {}
}

extension LibraryConfiguration {
    public init(reader: ConfigReader) {
        let defaults = LibraryConfiguration()
        padBefore = max(0, reader.double(forKey: "clip.padBefore", default: defaults.padBefore))
        padAfter = max(0, reader.double(forKey: "clip.padAfter", default: defaults.padAfter))
        replyWindow = max(0, reader.double(forKey: "library.replyWindow", default: defaults.replyWindow))
        searchLimit = min(max(1, reader.int(forKey: "search.limit", default: defaults.searchLimit)), 1000)
        ffprobe = reader.string(forKey: "ffprobe", default: defaults.ffprobe)
        ffmpeg = reader.string(forKey: "ffmpeg", default: defaults.ffmpeg)
    }
}
