import Foundation

/// The clients' logs, one per session (`client-SESSION.log`, and its rotated `.1`, `.2`…): a gallery
/// makes hundreds of sessions a day, so only the newest are kept.
enum ClientLogs {
    /// How many sessions' logs are kept (a few days of a busy gallery).
    static let kept = 300

    /// Deletes all but the newest `keeping` sessions' logs in `directory`; returns how many
    /// files went. Logs it cannot read or delete are left as they are.
    @discardableResult
    static func prune(_ directory: String, keeping: Int = kept) -> Int {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return 0 }
        // A session's log and its rotated part go together, by the session's name.
        var sessions: [String: (modified: Date, files: [String])] = [:]
        for name in names where name.hasPrefix("client-") {
            guard let end = name.range(of: ".log", options: .backwards)?.upperBound,
                name[end...].isEmpty || (name[end...].first == "." && name[end...].dropFirst().allSatisfy(\.isNumber))
            else { continue }
            let session = String(name[..<end])
            let modified = (try? manager.attributesOfItem(atPath: directory + "/" + name)[.modificationDate] as? Date) ?? .distantPast
            var entry = sessions[session] ?? (.distantPast, [])
            entry.modified = max(entry.modified, modified)
            entry.files.append(name)
            sessions[session] = entry
        }
        let old = sessions.values.sorted { $0.modified > $1.modified }.dropFirst(keeping)
        var removed = 0
        for file in old.flatMap(\.files) where (try? manager.removeItem(atPath: directory + "/" + file)) != nil { removed += 1 }
        return removed
    }
}
