/// A film in the library: a video file (or, for subtitle-only libraries, just its subtitles)
/// and where its dialogue came from.
public struct Film: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var title: String
    /// The video file; `nil` when the film was indexed from a bare subtitle file.
    public var videoPath: String?
    /// The subtitle file the cues came from, or the container for an embedded stream.
    public var subtitlePath: String
    /// Where the cues came from: `sidecar`, `embedded:<stream index>` or `subtitles-only`.
    public var subtitleSource: String
    /// Length in seconds, as probed; `nil` when there is no video to probe.
    public var duration: Double?
    public var cueCount: Int

    public init(
        id: Int64,
        title: String,
        videoPath: String?,
        subtitlePath: String,
        subtitleSource: String,
        duration: Double?,
        cueCount: Int
    ) {
        self.id = id
        self.title = title
        self.videoPath = videoPath
        self.subtitlePath = subtitlePath
        self.subtitleSource = subtitleSource
        self.duration = duration
        self.cueCount = cueCount
    }
}
