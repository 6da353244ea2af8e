import Foundation

/// Resolves a path typed by a person (relative, with `~`, with `..`) to the absolute form the
/// library stores, so that the same film is always the same key.
public enum AbsolutePath {
    public static func resolve(_ path: String, from directory: String = FileManager.default.currentDirectoryPath) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/") ? expanded : directory + "/" + expanded
        return (absolute as NSString).standardizingPath
    }
}
