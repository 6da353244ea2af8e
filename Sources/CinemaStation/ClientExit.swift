import Foundation

/// What a client's exit status says about starting it again (`cinema client`'s statuses: 0 the
/// session ended, 1 the room stayed unreachable, 2 the backend refused it for good, 64 a usage
/// error). A refusal or a usage error fails the same way each time: the same token, room and
/// settings are given to every start.
enum ClientExit {
    /// What the status means and what to do, when it means the client can never succeed; nil
    /// when starting it again may help.
    static func hopeless(_ status: Int32) -> String? {
        switch status {
        case 2:
            "the backend refused it for good (a bad or expired token, or a session the backend does not know); start a new session from the dashboard"
        case 64:
            "it found its own settings unusable (a usage error: its room URL, microphone or media roots); correct the station's settings, then start the session again"
        default: nil
        }
    }

    /// How many of the client's last lines are kept for a call for help: enough to reach past
    /// the usage text that follows a usage error's own line.
    static let linesKept = 6

    /// The call for help for a client that can never succeed: what its exit means, where its log
    /// is, and its last line (the client's own account of what failed). The backend keeps 500
    /// characters of a reason, so the log's path comes before the line, and the line is cut short.
    static func reason(status: Int32, meaning: String, log: String, lastLines: [String]) -> String {
        // The usage text after a usage error says nothing about what went wrong.
        let said = lastLines.filter { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            return !text.hasPrefix("Usage:") && !text.hasSuffix("for more information.")
        }
        let tail = said.last.map { $0.count > 200 ? String($0.prefix(199)) + "…" : $0 } ?? ""
        var reason = "The TV's client exited \(status) and is not started again: \(meaning). Its log is \(log)"
        reason += tail.isEmpty ? "." : ", ending: \(tail)"
        return reason
    }
}
