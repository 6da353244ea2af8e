import Foundation

/// Where a program named on `PATH` is, as a shell would find it: the doctor names the very file
/// that would run, and an installer's `PATH` is part of what it checks.
enum ExecutableSearch {
    /// `name` itself when it is a path; else the first executable `name` in `path`'s folders.
    static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        let manager = FileManager.default
        if name.contains("/") { return manager.isExecutableFile(atPath: name) ? name : nil }
        for folder in (path ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
