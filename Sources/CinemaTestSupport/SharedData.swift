import Foundation

/// The real data beside the repository (`../shared/data`): films' subtitles, other parsers'
/// fixtures and film speech. Tests read it in place; it is never copied into the repository.
public enum SharedData {
    /// `CINEMA_SHARED_DATA`, else `../shared/data` next to the package.
    public static let root: String = {
        if let configured = ProcessInfo.processInfo.environment["CINEMA_SHARED_DATA"], !configured.isEmpty {
            return configured
        }
        return (packageRoot as NSString).appendingPathComponent("../shared/data").standardizingPathComponents
    }()

    /// The package's root, found from this file's place in `Sources/CinemaTestSupport/`.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var films: String { root + "/films" }
    public static var fixtures: String { root + "/subtitle-fixtures" }
    public static var speech: String { root + "/speech" }

    public static func film(_ name: String) -> String { films + "/" + name }
    public static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// Every regular file in a folder, sorted, as absolute paths.
    public static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .sorted()
            .map { directory + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
    }
}

extension String {
    fileprivate var standardizingPathComponents: String { (self as NSString).standardizingPath }
}
