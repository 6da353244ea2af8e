#if canImport(Glibc)
import Glibc
#endif

/// What a path names, read with stat(2) or lstat(2), which never open it: opening a named pipe
/// blocks until something writes to it, and opening a device can have effects of its own. So
/// the indexer looks first, and opens only regular files.
struct FileStatus: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case regular, directory, symbolicLink, namedPipe, socket, device, other
    }

    var kind: Kind
    var identity: FileIdentity
    var size: Int64
    /// Seconds since 1970, as Foundation's modification date gives them.
    var modified: Double

    /// The status of `path`, or of the link itself when `followingLinks` is false.
    static func of(_ path: String, followingLinks: Bool = true) -> Result<FileStatus, FileStatusError> {
        var buffer = stat()
        let code = followingLinks ? stat(path, &buffer) : lstat(path, &buffer)
        guard code == 0 else { return .failure(FileStatusError(code: errno)) }
        return .success(FileStatus(buffer))
    }

    /// The status of an open file, to check that it is still what was looked at before opening.
    static func of(descriptor: Int32) -> Result<FileStatus, FileStatusError> {
        var buffer = stat()
        guard fstat(descriptor, &buffer) == 0 else { return .failure(FileStatusError(code: errno)) }
        return .success(FileStatus(buffer))
    }

    private init(_ buffer: stat) {
        switch buffer.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFIFO: kind = .namedPipe
        case S_IFSOCK: kind = .socket
        case S_IFCHR, S_IFBLK: kind = .device
        default: kind = .other
        }
        identity = FileIdentity(device: UInt64(buffer.st_dev), inode: UInt64(buffer.st_ino))
        size = Int64(buffer.st_size)
        modified = Double(buffer.st_mtim.tv_sec) + Double(buffer.st_mtim.tv_nsec) / 1_000_000_000
    }

    /// The target a symbolic link names, as written in the link.
    static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension FileStatus.Kind: CustomStringConvertible {
    /// What a person calls it, to say why it was not indexed.
    var description: String {
        switch self {
        case .regular: "a file"
        case .directory: "a folder"
        case .symbolicLink: "a symbolic link"
        case .namedPipe: "a named pipe (FIFO)"
        case .socket: "a socket"
        case .device: "a device"
        case .other: "neither a file nor a folder"
        }
    }
}

/// The same file whatever the path, links included: device and inode.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// Why a path could not be looked at, from `errno`.
struct FileStatusError: Error, Equatable {
    var code: Int32

    var isMissing: Bool { code == ENOENT || code == ENOTDIR }

    /// A few words for people: "it does not exist", "permission denied".
    var reason: String {
        switch code {
        case ENOENT, ENOTDIR: "it does not exist"
        case EACCES, EPERM: "permission denied"
        case ELOOP: "it is a link in a loop of links"
        default: String(cString: strerror(code))
        }
    }
}
