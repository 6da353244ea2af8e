import CinemaCore
import Foundation

/// One film to index: a video with its sidecar subtitles (if any), or a bare subtitle file.
struct IndexItem: Sendable, Equatable {
    /// The file that identifies the film in the library.
    var sourcePath: String
    var videoPath: String?
    /// The subtitle file beside the video, or the subtitle file itself in subtitles-only mode.
    var subtitlePath: String?
}

/// Walks folders for films: video files and the subtitle files that belong to them.
enum LibraryScanner {
    static let videoExtensions: Set<String> = ["mp4", "mkv", "avi", "mov", "m4v", "webm", "mpg", "mpeg"]
    static let subtitleExtensions: Set<String> = ["srt", "vtt", "ass", "ssa"]

    struct Scan: Sendable {
        var items: [IndexItem] = []
        /// Roots that exist: only films under these may be dropped as removed.
        var scannedRoots: [String] = []
        /// Files and folders that could not be read, links that lead nowhere.
        var problems: [IndexIssue] = []
        /// Entries that are not films (pipes, devices, folders named like films, duplicates).
        var skipped: [IndexIssue] = []
        /// Paths that could not be looked into: films stored under them are not gone.
        var unreachable: [String] = []
        /// Subtitle files with no video of the same name (video mode only).
        var unpairedSubtitles = 0
    }

    static func isIndexable(_ name: String) -> Bool {
        let ext = (name as NSString).pathExtension.lowercased()
        return videoExtensions.contains(ext) || subtitleExtensions.contains(ext)
    }

    static func scan(_ paths: [String], subtitlesOnly: Bool) -> Scan {
        var scan = Scan()
        var walker = FolderWalker(isIndexable: isIndexable)
        var found: [String: FoundFile] = [:]
        for path in paths {
            let root = AbsolutePath.resolve(path)
            guard let files = walker.files(under: root) else { continue }
            scan.scannedRoots.append(root)
            for file in files where found[file.path] == nil { found[file.path] = file }
        }
        let paired = pair(Array(found.keys), subtitlesOnly: subtitlesOnly)
        scan.items = distinct(paired.items, found: found, skipped: &scan.skipped).sorted { $0.sourcePath < $1.sourcePath }
        scan.unpairedSubtitles = paired.unpaired
        scan.problems = walker.problems
        scan.skipped = walker.skipped + scan.skipped
        scan.unreachable = walker.unreachable
        return scan
    }

    /// One item per film: the same video with the same subtitles, reached through links under
    /// several names, is indexed once, under the name with the fewest links (then the first).
    private static func distinct(_ items: [IndexItem], found: [String: FoundFile], skipped: inout [IndexIssue]) -> [IndexItem] {
        struct Key: Hashable {
            var source: FileIdentity?
            var subtitles: FileIdentity?
        }
        func links(_ item: IndexItem) -> Int {
            (found[item.sourcePath]?.links ?? 0) + (item.subtitlePath.flatMap { found[$0]?.links } ?? 0)
        }
        var groups: [Key: [IndexItem]] = [:]
        for item in items {
            groups[Key(source: found[item.sourcePath]?.identity, subtitles: item.subtitlePath.flatMap { found[$0]?.identity }), default: []]
                .append(item)
        }
        return groups.values.map { group in
            let ordered = group.sorted { (links($0), $0.sourcePath) < (links($1), $1.sourcePath) }
            for twin in ordered.dropFirst() {
                skipped.append(IndexIssue(path: twin.sourcePath, reason: "the same file as \(ordered[0].sourcePath), which is indexed"))
            }
            return ordered[0]
        }
    }

    /// Pairs each video with its best sidecar, or, in subtitles-only mode, picks the best subtitle
    /// file of each name (`Film.en.srt` over `Film.fr.srt`).
    static func pair(_ files: [String], subtitlesOnly: Bool) -> (items: [IndexItem], unpaired: Int) {
        var subtitlesByDirectory: [String: [String]] = [:]
        var videos: [String] = []
        for file in files {
            let ext = (file as NSString).pathExtension.lowercased()
            if subtitleExtensions.contains(ext) {
                subtitlesByDirectory[(file as NSString).deletingLastPathComponent, default: []].append(file)
            } else if videoExtensions.contains(ext), !SeekPreparation.isPreparedCopy(file) {
                // A copy made by --prepare-seeks stands in for its original, not beside it.
                videos.append(file)
            }
        }
        if subtitlesOnly {
            var best: [String: (path: String, rank: SidecarRank)] = [:]
            for file in subtitlesByDirectory.values.joined() {
                let name = SubtitleName(fileName: (file as NSString).lastPathComponent)
                let key = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name.stem)
                if best[key].map({ name.rank < $0.rank }) ?? true { best[key] = (file, name.rank) }
            }
            return (best.values.map { IndexItem(sourcePath: $0.path, videoPath: nil, subtitlePath: $0.path) }, 0)
        }
        var used = Set<String>()
        var items: [IndexItem] = []
        for video in videos {
            let directory = (video as NSString).deletingLastPathComponent
            let stem = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
            let sidecar = (subtitlesByDirectory[directory] ?? [])
                .compactMap { path -> (String, SidecarRank)? in
                    let name = SubtitleName(fileName: (path as NSString).lastPathComponent)
                    return name.belongs(to: stem) ? (path, name.rank) : nil
                }
                .min { $0.1 < $1.1 }?.0
            if let sidecar { used.insert(sidecar) }
            items.append(IndexItem(sourcePath: video, videoPath: video, subtitlePath: sidecar))
        }
        let unpaired = subtitlesByDirectory.values.joined().filter { !used.contains($0) }
        let unpairedNames = Set(unpaired.map { SubtitleName(fileName: ($0 as NSString).lastPathComponent).stem })
        return (items, unpairedNames.count)
    }
}

/// Sidecars in order of preference: English, then untagged, then other languages; full
/// subtitles before forced ones; SubRip before WebVTT before ASS.
struct SidecarRank: Comparable {
    var language: Int
    var forced: Int
    var format: Int

    static func < (lhs: SidecarRank, rhs: SidecarRank) -> Bool {
        (lhs.language, lhs.forced, lhs.format) < (rhs.language, rhs.forced, rhs.format)
    }
}

/// A subtitle file name taken apart: `Film.en.forced.srt` is stem `Film`, tags `en`, `forced`.
struct SubtitleName {
    var stem: String
    var tags: [String]
    var format: String

    private static let englishTags: Set<String> = ["en", "eng", "english", "en-us", "en-gb", "en_us", "en_gb"]
    private static let descriptiveTags: Set<String> = ["forced", "sdh", "cc", "hi", "default", "full"]

    init(fileName: String) {
        var parts = fileName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        format = parts.count > 1 ? parts.removeLast().lowercased() : ""
        var tags: [String] = []
        while parts.count > 1, let last = parts.last, Self.isTag(last) {
            tags.insert(last.lowercased(), at: 0)
            parts.removeLast()
        }
        self.tags = tags
        stem = parts.joined(separator: ".")
    }

    /// Language codes (`en`, `eng`, `pt-BR`) and descriptive tags (`forced`, `sdh`).
    private static func isTag(_ part: String) -> Bool {
        let lower = part.lowercased()
        if englishTags.contains(lower) || descriptiveTags.contains(lower) || lower == "english" { return true }
        let letters = lower.split(whereSeparator: { $0 == "-" || $0 == "_" })
        guard let language = letters.first, (2...3).contains(language.count), language.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return false
        }
        return letters.count == 1 || (letters.count == 2 && (2...4).contains(letters[1].count))
    }

    func belongs(to videoStem: String) -> Bool {
        stem == videoStem || stem.caseInsensitiveCompare(videoStem) == .orderedSame
    }

    var isEnglish: Bool { tags.contains { Self.englishTags.contains($0) } }

    var rank: SidecarRank {
        let languageTags = tags.filter { !Self.descriptiveTags.contains($0) }
        let language = isEnglish ? 0 : languageTags.isEmpty ? 1 : 2
        let formats = ["srt", "vtt", "ass", "ssa"]
        return SidecarRank(language: language, forced: tags.contains("forced") ? 1 : 0, format: formats.firstIndex(of: format) ?? formats.count)
    }
}
