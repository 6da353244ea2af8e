import CinemaCore
import Foundation

/// Reads a subtitle file of any supported format and encoding into cues.
public enum SubtitleParser {
    /// Parses a file on disk; the format comes from its extension, or from its content when the
    /// extension is unknown.
    public static func parse(fileAt path: String) throws(SubtitleError) -> SubtitleDocument {
        let bytes = try readBytes(path)
        let hint = SubtitleFormat(pathExtension: (path as NSString).pathExtension)
        return try parse(bytes, format: hint, source: path)
    }

    /// Parses subtitle bytes. `source` names the input in errors.
    public static func parse(
        _ bytes: [UInt8],
        format hint: SubtitleFormat? = nil,
        source: String = "subtitles"
    ) throws(SubtitleError)
        -> SubtitleDocument
    {
        let decoded = SubtitleTextDecoder.decode(bytes)
        var text = Substring(decoded.text)
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        if looksBinary(text) {
            throw .notSubtitles(path: source, reason: "it looks like binary data, not text")
        }
        let format = SubtitleFormat.sniff(text) ?? hint ?? .subRip
        var collector = CueCollector(expectedCount: bytes.count / 60)
        switch format {
        case .subRip, .webVTT:
            TimedBlockParser.parse(text, into: &collector)
        case .ass:
            ASSParser.parse(text, into: &collector)
        }
        return SubtitleDocument(format: format, encoding: decoded.encoding, cues: collector.finish(), warnings: collector.warnings)
    }

    /// Control characters (other than tabs and line ends) are vanishingly rare in real subtitles
    /// and common in binary files; a few percent means this is not text.
    static func looksBinary(_ text: Substring) -> Bool {
        var controls = 0
        var total = 0
        for scalar in text.unicodeScalars.prefix(8192) {
            total += 1
            // Tab, line feed, vertical tab, form feed and carriage return are all whitespace.
            if scalar.value < 0x20 && !(0x09...0x0D).contains(scalar.value) { controls += 1 }
        }
        return total > 0 && controls * 100 > total * 3
    }

    private static let maximumFileSize = 64 << 20

    private static func readBytes(_ path: String) throws(SubtitleError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { throw .unreadable(path: path, reason: "the file does not exist") }
            throw .unreadable(path: path, reason: "permission denied")
        }
        defer { try? handle.close() }
        do {
            guard let data = try handle.read(upToCount: maximumFileSize + 1) else { return [] }
            if data.count > maximumFileSize {
                throw SubtitleError.notSubtitles(path: path, reason: "it is larger than \(maximumFileSize >> 20) MiB")
            }
            return [UInt8](data)
        } catch let error as SubtitleError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }
}

public enum SubtitleError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notSubtitles(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "Could not read \(path): \(reason). Check that the file exists and is readable."
        case .notSubtitles(let path, let reason):
            "\(path) is not a subtitle file: \(reason). Use SubRip (.srt), WebVTT (.vtt) or ASS/SSA (.ass, .ssa) text."
        }
    }
}
