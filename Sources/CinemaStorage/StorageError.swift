import GRDB

/// Why one of the installation's SQLite files could not be used, classified once for all three.
/// Each database says what it means for its own data (`LibraryError`, the backend's and the
/// station's errors); what went wrong and the fix for the file itself is said here.
public struct StorageError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file is something else.
        case notADatabase
        case corrupt
        /// The file or its directory cannot be written.
        case readOnly
        case cannotOpen
        /// The disk (or the filesystem's quota) is full: the write did not happen, and the file
        /// is as it was before it.
        case full
        /// A query or constraint failed, or anything else.
        case failed
    }

    public var kind: Kind
    public var path: String
    /// SQLite's own words.
    public var message: String

    public init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public init(_ error: any Error, path: String) {
        if let error = error as? StorageError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self.init(kind: .failed, path: path, message: "\(error)")
            return
        }
        let message = error.message ?? "\(error)"
        switch error.resultCode {
        case .SQLITE_NOTADB: self.init(kind: .notADatabase, path: path, message: message)
        case .SQLITE_CORRUPT: self.init(kind: .corrupt, path: path, message: message)
        case .SQLITE_READONLY, .SQLITE_PERM: self.init(kind: .readOnly, path: path, message: message)
        case .SQLITE_CANTOPEN: self.init(kind: .cannotOpen, path: path, message: message)
        case .SQLITE_FULL: self.init(kind: .full, path: path, message: message)
        default: self.init(kind: .failed, path: path, message: message)
        }
    }

    /// What failed and what to do about the file, in a sentence or two.
    public var description: String {
        switch kind {
        case .notADatabase: "\(path) is not an SQLite database. Move it aside or set CINEMA_HOME to another directory."
        case .corrupt: "\(path) is damaged (\(message)). Move it aside; it is created again, empty, at the next start."
        case .readOnly: "\(path) is read-only. Fix the permissions of the file and its directory, or set CINEMA_HOME to a writable directory."
        case .cannotOpen: "Could not open \(path): \(message). Check that its directory exists and is writable, or set CINEMA_HOME."
        case .full: "The disk holding \(path) is full; nothing was written. Free some space (old sessions: DELETE /api/cleanup-old-sessions)."
        case .failed: "\(path) failed: \(message)."
        }
    }
}
