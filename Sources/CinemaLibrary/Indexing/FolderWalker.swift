#if canImport(Glibc)
import Glibc
#endif

/// A file the walk found, by the path it has in the folders walked (through links, so that a
/// video and its subtitles pair by the names they have side by side) and by what it really is.
struct FoundFile: Sendable, Equatable {
    var path: String
    var identity: FileIdentity
    /// Symbolic links followed to reach it: the same file reached two ways keeps its most direct path.
    var links: Int
}

/// Walks folders for files named like films and subtitles, following symbolic links to files
/// and folders as if they were the real thing.
///
/// Each folder is walked once, known by device and inode, so a link back to an ancestor cannot
/// loop; folders reached without a link are walked before those behind one, so that a folder
/// reachable both ways keeps its real path, and a film is never indexed twice. Nothing but folders is ever opened: every entry is
/// looked at with lstat/stat first, and pipes, sockets and devices are reported, not read.
/// Hidden entries (`.DS_Store`, `._Film.srt`) are left alone, as before.
struct FolderWalker {
    /// Whether a file name is one the indexer reads (by its extension).
    let isIndexable: (String) -> Bool

    /// Folders that could not be read and links that lead nowhere: failures.
    private(set) var problems: [IndexIssue] = []
    /// Entries that are not films: pipes, sockets, devices, folders named like films, links to
    /// folders walked already.
    private(set) var skipped: [IndexIssue] = []
    /// What could not be looked into: films indexed from under these are kept, not dropped as
    /// gone, since a dangling link is often a disk that is not mounted.
    private(set) var unreachable: [String] = []
    /// Every folder walked so far, with the path it was walked by.
    private var walked: [FileIdentity: String] = [:]

    init(isIndexable: @escaping (String) -> Bool) {
        self.isIndexable = isIndexable
    }

    /// The files under `root`, a folder or a single file; `nil` when nothing could be scanned,
    /// so that no film stored under it may be taken for gone.
    mutating func files(under root: String) -> [FoundFile]? {
        switch look(at: root) {
        case .missing:
            problems.append(IndexIssue(path: root, reason: "no such file or folder; check the path"))
            return nil
        case .broken(let reason):
            problems.append(IndexIssue(path: root, reason: reason))
            return nil
        case .found(let status, let throughLink):
            let links = throughLink ? 1 : 0
            switch status.kind {
            case .directory:
                return walk(Folder(path: root, identity: status.identity, links: links))
            case .regular where isIndexable(Self.name(of: root)):
                return [FoundFile(path: root, identity: status.identity, links: links)]
            // Named on the command line, so saying it cannot be indexed is a failure, not a skip.
            case .regular:
                problems.append(IndexIssue(path: root, reason: "not a video or subtitle file: its name does not end in one of their extensions"))
                return []
            default:
                problems.append(IndexIssue(path: root, reason: "\(status.kind), not a file or folder; it was not opened"))
                return nil
            }
        }
    }

    private struct Folder {
        var path: String
        var identity: FileIdentity
        var links: Int
    }

    /// `nil` when the root folder itself cannot be listed.
    private mutating func walk(_ root: Folder) -> [FoundFile]? {
        // Folders waiting to be walked, by how many links lead to them: fewest first, then
        // breadth first, so that a folder reached two ways keeps the shorter path.
        var pending: [Int: [Folder]] = [root.links: [root]]
        var files: [FoundFile] = []
        while let level = pending.keys.min(), let folder = pending[level]?.removeFirst() {
            if pending[level]?.isEmpty == true { pending[level] = nil }
            if let first = walked[folder.identity] {
                if first != folder.path { skipped.append(IndexIssue(path: folder.path, reason: Self.walkedAlready(folder.path, first))) }
                continue
            }
            walked[folder.identity] = folder.path
            let names: [String]
            switch Self.list(folder.path) {
            case .success(let found):
                names = found
            case .failure(let error):
                problems.append(IndexIssue(path: folder.path, reason: "the folder cannot be read (\(error.reason))"))
                unreachable.append(folder.path)
                if folder.path == root.path { return nil }
                continue
            }
            for name in names where !name.hasPrefix(".") {
                let path = folder.path == "/" ? "/" + name : folder.path + "/" + name
                switch look(at: path) {
                case .missing:
                    // Gone between listing and looking: nothing to index, nothing to report.
                    continue
                case .broken(let reason):
                    problems.append(IndexIssue(path: path, reason: reason))
                    unreachable.append(path)
                case .found(let status, let throughLink):
                    let links = folder.links + (throughLink ? 1 : 0)
                    switch status.kind {
                    case .directory:
                        if isIndexable(name) {
                            skipped.append(
                                IndexIssue(
                                    path: path,
                                    reason: "a folder named like a film, not a video or subtitle file; the films in it are indexed"
                                )
                            )
                        }
                        pending[links, default: []].append(Folder(path: path, identity: status.identity, links: links))
                    case .regular:
                        if isIndexable(name) { files.append(FoundFile(path: path, identity: status.identity, links: links)) }
                    default:
                        skipped.append(IndexIssue(path: path, reason: "\(status.kind), not a file; it was not opened"))
                    }
                }
            }
        }
        return files
    }

    private static func walkedAlready(_ path: String, _ first: String) -> String {
        if path.hasPrefix(first == "/" ? "/" : first + "/") {
            return "leads back to \(first), which holds it; not followed, so the walk does not loop"
        }
        return "the same folder as \(first), which is indexed under that name"
    }

    private enum Look {
        case found(FileStatus, throughLink: Bool)
        /// Not there (or gone since it was listed).
        case missing
        /// There, but what it is cannot be known: a dangling link, a link loop, no permission.
        case broken(String)
    }

    /// What `path` is, looking through a symbolic link; never opens it.
    private func look(at path: String) -> Look {
        switch FileStatus.of(path, followingLinks: false) {
        case .failure(let error):
            return error.isMissing ? .missing : .broken("it cannot be looked at (\(error.reason))")
        case .success(let status) where status.kind != .symbolicLink:
            return .found(status, throughLink: false)
        case .success:
            switch FileStatus.of(path) {
            case .success(let status):
                return .found(status, throughLink: true)
            case .failure(let error):
                let target = FileStatus.linkTarget(path) ?? "?"
                let why = error.isMissing ? "which does not exist" : "which cannot be reached (\(error.reason))"
                return .broken("a link to \(target), \(why); films indexed through it are kept until it is mended or removed")
            }
        }
    }

    /// The names in a folder, sorted so that every run walks the same way.
    private static func list(_ folder: String) -> Result<[String], FileStatusError> {
        guard let stream = opendir(folder) else { return .failure(FileStatusError(code: errno)) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names.sorted())
    }

    static func name(of path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
