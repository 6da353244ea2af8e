import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Log lines for a command systemd runs: the journal stamps each line itself, so the line has
/// no time of its own, and when standard error is the journal's stream it starts with the
/// `<N>` syslog priority (the sd-daemon convention), so that `journalctl -p err` finds errors.
struct JournalLogHandler: LogHandler {
    let label: String
    let prioritised: Bool
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// How log lines should look in `environment`: nil when systemd did not start the command.
    static func style(in environment: [String: String]) -> Bool? {
        if let stream = environment["JOURNAL_STREAM"], Self.isStandardError(stream) { return true }
        return environment["INVOCATION_ID"] != nil ? false : nil
    }

    /// Whether `stream` (`device:inode`, as systemd sets `JOURNAL_STREAM`) is our standard
    /// error: a child whose output goes to a file inherits the variable, not the stream.
    private static func isStandardError(_ stream: String) -> Bool {
        let parts = stream.split(separator: ":").compactMap { UInt64($0) }
        var status = stat()
        guard parts.count == 2, fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == parts[0] && UInt64(status.st_ino) == parts[1]
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        if let error = event.error { fields["error.message"] = "\(error)" }
        let shown = fields.isEmpty ? "" : " " + fields.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        let priority = prioritised ? "<\(Self.priority(event.level))>" : ""
        try? FileHandle.standardError.write(contentsOf: Data("\(priority)\(event.level) \(label):\(shown) \(event.message)\n".utf8))
    }

    /// syslog's levels, which the journal keeps per line.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }
}
