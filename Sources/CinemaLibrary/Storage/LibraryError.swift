import CinemaStorage
import Foundation

/// Why the library database could not be used, with what to do about it.
public enum LibraryError: Error, CustomStringConvertible, Equatable {
    case notADatabase(path: String)
    case corrupt(path: String)
    case readOnly(path: String)
    case cannotOpen(path: String, reason: String)
    case diskFull(path: String)
    case database(path: String, message: String)

    /// What a failure of the library's file means for the library (`StorageError` classifies it).
    init(_ error: any Error, path: String) {
        if let error = error as? LibraryError {
            self = error
            return
        }
        let failure = StorageError(error, path: path)
        switch failure.kind {
        case .notADatabase: self = .notADatabase(path: path)
        case .corrupt: self = .corrupt(path: path)
        case .readOnly: self = .readOnly(path: path)
        case .cannotOpen: self = .cannotOpen(path: path, reason: failure.message)
        case .full: self = .diskFull(path: path)
        case .failed: self = .database(path: path, message: failure.message)
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
        case .diskFull(let path):
            "The disk holding the library database \(path) is full; nothing was written. Free some space and run the command again."
        case .database(let path, let message):
            "The library database \(path) failed: \(message)."
        }
    }
}
