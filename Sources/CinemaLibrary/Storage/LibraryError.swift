import Foundation
import GRDB

/// Why the library database could not be used, with what to do about it.
public enum LibraryError: Error, CustomStringConvertible, Equatable {
    case notADatabase(path: String)
    case corrupt(path: String)
    case readOnly(path: String)
    case cannotOpen(path: String, reason: String)
    case database(path: String, message: String)

    init(_ error: any Error, path: String) {
        if let error = error as? LibraryError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self = .database(path: path, message: "\(error)")
            return
        }
        switch error.resultCode {
        case .SQLITE_NOTADB: self = .notADatabase(path: path)
        case .SQLITE_CORRUPT: self = .corrupt(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM: self = .readOnly(path: path)
        case .SQLITE_CANTOPEN: self = .cannotOpen(path: path, reason: error.message ?? "unable to open the file")
        default: self = .database(path: path, message: error.message ?? "\(error)")
        }
    }

    public var description: String {
        switch self {
        case .notADatabase(let path):
            "\(path) is not an SQLite database. Move it aside (the library can be rebuilt with `cinema index`) or set CINEMA_HOME to another directory."
        case .corrupt(let path):
            "The library database \(path) is damaged. Move it aside and run `cinema index` again to rebuild it."
        case .readOnly(let path):
            "The library database \(path) is read-only. Fix the permissions of the file and its directory, or set CINEMA_HOME to a writable directory."
        case .cannotOpen(let path, let reason):
            "Could not open the library database \(path): \(reason). Check that its directory exists and is writable, or set CINEMA_HOME."
        case .database(let path, let message):
            "The library database \(path) failed: \(message)."
        }
    }
}
