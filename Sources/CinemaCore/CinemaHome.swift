import Configuration
import Foundation

/// The data directory (`CINEMA_HOME`) and the files Cinema Chat keeps in it.
///
/// Everything a running installation writes lives here, so an installed binary never depends on
/// where it was built or on the working directory.
public struct CinemaHome: Sendable, Hashable {
    public let path: String

    public init(path: String) {
        self.path = (path as NSString).standardizingPath
    }

    /// `home` from the configuration, else `$XDG_DATA_HOME/cinema`, else `~/.local/share/cinema`.
    public init(reader: ConfigReader, environment: [String: String]) {
        if let configured = reader.string(forKey: "home"), !configured.isEmpty {
            self.init(path: Self.expandingTilde(configured, environment: environment))
        } else if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            self.init(path: xdg + "/cinema")
        } else {
            self.init(path: Self.homeDirectory(environment: environment) + "/.local/share/cinema")
        }
    }

    public var libraryDatabasePath: String { path + "/library.sqlite" }
    public var demoDirectory: String { path + "/demo" }

    /// Creates the directory if needed and proves it is writable by writing a probe file.
    public func prepare() throws(CinemaHomeError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notADirectory(path: path) }
        } else {
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .cannotCreate(path: path, reason: Self.reason(error))
            }
        }
        let probe = path + "/.write-probe-\(ProcessInfo.processInfo.processIdentifier)"
        guard manager.createFile(atPath: probe, contents: Data()) else {
            throw .notWritable(path: path)
        }
        try? manager.removeItem(atPath: probe)
    }

    static func expandingTilde(_ path: String, environment: [String: String]) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return homeDirectory(environment: environment) + path.dropFirst()
    }

    static func homeDirectory(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    private static func reason(_ error: any Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return error.localizedDescription
    }
}

public enum CinemaHomeError: Error, CustomStringConvertible, Equatable {
    case notADirectory(path: String)
    case cannotCreate(path: String, reason: String)
    case notWritable(path: String)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            "The data directory \(path) is a file, not a directory. Move the file away or set CINEMA_HOME to a directory."
        case .cannotCreate(let path, let reason):
            "Could not create the data directory \(path): \(reason). Create it yourself or set CINEMA_HOME to a writable directory."
        case .notWritable(let path):
            "The data directory \(path) is not writable. Fix its permissions (chmod u+w) or set CINEMA_HOME to a writable directory."
        }
    }
}
