import CinemaCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

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
        guard bytes.count <= SubtitleLimits.maximumFileBytes else { throw .tooLarge(path: source, bytes: Int64(bytes.count)) }
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

    /// Reads the whole file, after making sure it is a regular file of at most
    /// `SubtitleLimits.maximumFileBytes`: a named pipe would block the read for ever, a device may
    /// never end, and a file of hundreds of MB would be held in memory whole.
    private static func readBytes(_ path: String) throws(SubtitleError) -> [UInt8] {
        let expected = try regularFile(FileStatus.of(path), path)
        // Non-blocking, so that a file swapped for a pipe since it was looked at cannot block the
        // open; the descriptor is then checked to be that same file.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, FileStatusError(code: errno)) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        let opened = try regularFile(FileStatus.of(descriptor: descriptor), path)
        guard opened.identity == expected.identity else {
            throw .unreadable(path: path, reason: "it was replaced while it was being opened")
        }
        do {
            guard let data = try handle.read(upToCount: SubtitleLimits.maximumFileBytes + 1) else { return [] }
            if data.count > SubtitleLimits.maximumFileBytes { throw SubtitleError.tooLarge(path: path, bytes: Int64(data.count)) }
            return [UInt8](data)
        } catch let error as SubtitleError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
    }

    private static func regularFile(_ looked: Result<FileStatus, FileStatusError>, _ path: String) throws(SubtitleError) -> FileStatus {
        let status: FileStatus
        switch looked {
        case .success(let found): status = found
        case .failure(let error): throw unreadable(path, error)
        }
        guard status.kind == .regular else {
            throw .unreadable(path: path, reason: "it is \(status.kind), not a file, so it was not opened")
        }
        guard status.size <= SubtitleLimits.maximumFileBytes else { throw .tooLarge(path: path, bytes: status.size) }
        return status
    }

    private static func unreadable(_ path: String, _ error: FileStatusError) -> SubtitleError {
        .unreadable(path: path, reason: error.isMissing ? "the file does not exist" : error.reason)
    }
}

public enum SubtitleError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case notSubtitles(path: String, reason: String)
    /// More than `SubtitleLimits.maximumFileBytes`.
    case tooLarge(path: String, bytes: Int64)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "Could not read \(path): \(reason). Check that the file exists and is readable."
        case .notSubtitles(let path, let reason):
            "\(path) is not a subtitle file: \(reason). Use SubRip (.srt), WebVTT (.vtt) or ASS/SSA (.ass, .ssa) text."
        case .tooLarge(let path, let bytes):
            "\(path) is too large for a subtitle file: \(Self.mebibytes(bytes)) MiB, over the limit of "
                + "\(SubtitleLimits.maximumFileBytes >> 20) MiB (a film's subtitles are well under 1 MiB). Check that it is the right file."
        }
    }

    private static func mebibytes(_ bytes: Int64) -> String {
        let tenths = (bytes * 10 + (1 << 19)) >> 20
        return "\(tenths / 10).\(tenths % 10)"
    }
}
