import Foundation

/// What ffprobe says about a video: its length, its title tag and its subtitle streams.
public struct MediaInfo: Sendable, Equatable {
    public var duration: Double?
    public var title: String?
    public var subtitleStreams: [SubtitleStream]
    /// Whether there is sound at all: a film without subtitles is heard in its soundtrack.
    public var hasAudio: Bool

    public struct SubtitleStream: Sendable, Equatable {
        /// The stream's index in the container (`-map 0:<index>`).
        public var index: Int
        public var codec: String
        public var language: String?
        public var title: String?
        public var isDefault: Bool

        /// Text subtitles can be read; image subtitles (DVD, Blu-ray) would need OCR.
        public var isText: Bool {
            ["subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text", "microdvd", "subviewer", "realtext", "sami"].contains(codec)
        }

        public var isEnglish: Bool {
            guard let language = language?.lowercased() else { return false }
            return ["en", "eng", "english"].contains(language) || language.hasPrefix("en-") || language.hasPrefix("en_")
        }
    }

    /// The text stream to read: English first, then one without a language tag, then any;
    /// within each, the default stream first.
    public var preferredTextSubtitleStream: SubtitleStream? {
        let text = subtitleStreams.filter(\.isText)
        func best(_ streams: [SubtitleStream]) -> SubtitleStream? { streams.first(where: \.isDefault) ?? streams.first }
        return best(text.filter(\.isEnglish)) ?? best(text.filter { $0.language == nil || $0.language == "und" }) ?? best(text)
    }
}

/// Reads video files with ffprobe and pulls text subtitle streams out with ffmpeg.
public struct MediaProbe: Sendable {
    let ffprobe: ExternalTool
    let ffmpeg: ExternalTool

    public init(configuration: LibraryConfiguration = LibraryConfiguration()) {
        ffprobe = ExternalTool(name: "ffprobe", executable: configuration.ffprobe, installHint: Self.installHint)
        ffmpeg = ExternalTool(name: "ffmpeg", executable: configuration.ffmpeg, installHint: Self.installHint)
    }

    static let installHint = "install ffmpeg (sudo apt-get install ffmpeg) or set CINEMA_FFPROBE and CINEMA_FFMPEG"

    public func probe(_ path: String) async throws(ToolError) -> MediaInfo {
        // Paths are absolute, so none can be mistaken for an option.
        let output = try await ffprobe.run(
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
            outputLimit: 4 << 20,
            timeout: .seconds(60)
        )
        guard let report = try? JSONDecoder().decode(FFprobeReport.self, from: Data(output.standardOutput)) else {
            throw .failed(tool: "ffprobe", status: "unreadable report", message: "its output was not the expected JSON")
        }
        let streams = report.streams ?? []
        guard streams.contains(where: { $0.codecType == "video" || $0.codecType == "audio" }) else {
            throw .failed(tool: "ffprobe", status: "no media", message: "the file has no video or audio stream")
        }
        return MediaInfo(
            duration: report.format?.duration.flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil },
            title: report.format?.tags?["title"].flatMap { $0.trimmingSpaces().isEmpty ? nil : $0.trimmingSpaces() },
            subtitleStreams: streams.filter { $0.codecType == "subtitle" }.map { stream in
                MediaInfo.SubtitleStream(
                    index: stream.index,
                    codec: stream.codecName ?? "unknown",
                    language: stream.tags?["language"],
                    title: stream.tags?["title"],
                    isDefault: stream.disposition?["default"] == 1
                )
            },
            hasAudio: streams.contains { $0.codecType == "audio" }
        )
    }

    /// The stream as SubRip bytes, converted by ffmpeg from whatever text format it was.
    public func extractSubtitles(from path: String, stream: MediaInfo.SubtitleStream) async throws(ToolError) -> [UInt8] {
        try await ffmpeg.run(
            ["-nostdin", "-v", "error", "-i", path, "-map", "0:\(stream.index)", "-c:s", "srt", "-f", "srt", "pipe:1"],
            outputLimit: SubtitleLimits.maximumFileBytes,
            timeout: .seconds(300)
        ).standardOutput
    }
}

/// The part of `ffprobe -print_format json` that the library reads.
private struct FFprobeReport: Decodable {
    struct Format: Decodable {
        var duration: String?
        var tags: [String: String]?
    }

    struct Stream: Decodable {
        var index: Int
        var codecType: String?
        var codecName: String?
        var tags: [String: String]?
        var disposition: [String: Int]?

        enum CodingKeys: String, CodingKey {
            case index, tags, disposition
            case codecType = "codec_type"
            case codecName = "codec_name"
        }
    }

    var format: Format?
    var streams: [Stream]?
}
