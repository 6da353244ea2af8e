import CinemaCore
import Foundation

/// The dashboard's files (HTML, CSS, JavaScript), shipped as the package's resources and read
/// once at start. Looked for beside the executable, where SwiftPM puts the resource bundle, so
/// that a missing bundle is a page that says so rather than a crash.
public struct DashboardAssets: Sendable {
    public struct File: Sendable {
        public var contentType: String
        public var body: Data
    }

    static let types = [
        "index.html": "text/html; charset=utf-8",
        "dashboard.css": "text/css; charset=utf-8",
        "dashboard.js": "text/javascript; charset=utf-8",
    ]

    /// By name (`index.html`); empty when they were not found.
    public let files: [String: File]
    /// Where they were looked for, for the message when they are missing.
    public let searched: [String]

    public init(directory: String) {
        self.init(candidates: [directory])
    }

    /// `CINEMA_DASHBOARD_DIR` if set, else the resource bundle beside the running executable.
    public static func located(environment: [String: String] = ProcessInfo.processInfo.environment) -> DashboardAssets {
        var candidates: [String] = []
        if let override = environment["CINEMA_DASHBOARD_DIR"], !override.isEmpty { candidates.append(override) }
        let folder = URL(fileURLWithPath: RunningExecutable.path).deletingLastPathComponent().path
        candidates.append(folder + "/cinema-chat_CinemaStation.resources/Dashboard")
        if let resources = Bundle.main.resourcePath { candidates.append(resources + "/cinema-chat_CinemaStation.resources/Dashboard") }
        return DashboardAssets(candidates: candidates)
    }

    init(candidates: [String]) {
        searched = candidates
        for directory in candidates {
            var found: [String: File] = [:]
            for (name, type) in Self.types {
                guard let body = FileManager.default.contents(atPath: directory + "/" + name) else { break }
                found[name] = File(contentType: type, body: body)
            }
            if found.count == Self.types.count {
                files = found
                return
            }
        }
        files = [:]
    }

    public var isComplete: Bool { files.count == Self.types.count }
}
