import Foundation
import Synchronization

/// Lines for whoever watches the output, a person or a script waiting for "listening on":
/// written at once, where `print` into a pipe would wait in a buffer until exit.
enum Announcement {
    static func say(_ line: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// A line said once every one of several servers has said it listens, so that the address it
/// gives works when it is read.
final class JointAnnouncement: Sendable {
    private let waiting: Mutex<Int>
    private let line: String

    init(after count: Int, _ line: String) {
        waiting = Mutex(count)
        self.line = line
    }

    /// One more is ready; the last one says the line.
    func ready() {
        let last = waiting.withLock { count in
            count -= 1
            return count == 0
        }
        if last { Announcement.say(line) }
    }
}
