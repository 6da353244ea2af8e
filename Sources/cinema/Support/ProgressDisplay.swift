import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows the progress of long work on standard error: a redrawn bar on a terminal, plain lines
/// otherwise (logs, pipes, CI), so that both people and log files can follow it.
final class ProgressDisplay: Sendable {
    /// A terminal gets a redrawn bar; anything else a line per update.
    let isTerminal: Bool
    private let state = Mutex<State>(State())

    private struct State {
        var drewBar = false
    }

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// Reports that `completed` of `total` steps are done; `label` says what the last one was.
    func update(completed: Int, total: Int, label: String) {
        update(fraction: total > 0 ? Double(completed) / Double(total) : 1, status: "\(completed)/\(total)", label: label)
    }

    /// Reports progress measured in anything (seconds of film heard): `fraction` of the work is
    /// done, `status` says how far in words (`0:50/1:51 of film, ETA 0:14`).
    func update(fraction: Double, status: String, label: String) {
        state.withLock { state in
            if isTerminal {
                let width = 28
                // A hair added so that 29/100 shows as 29 %, not 28.
                let done = min(max(fraction, 0), 1) + 1e-9
                let filled = min(width, Int(Double(width) * done))
                let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                let percent = min(100, Int(100 * done))
                Self.write("\r\u{1B}[2K\(bar) \(percent)% \(status) \(Self.shortened(label, to: 48))")
                state.drewBar = true
            } else {
                Self.write("[\(status)] \(label)\n")
            }
        }
    }

    /// A line that is not progress (a warning, a phase change), kept clear of the bar.
    func note(_ line: String) {
        state.withLock { state in
            if state.drewBar {
                Self.write("\r\u{1B}[2K")
                state.drewBar = false
            }
            Self.write(line + "\n")
        }
    }

    /// Clears the bar so that what follows starts on a clean line.
    func finish() {
        state.withLock { state in
            if state.drewBar { Self.write("\r\u{1B}[2K") }
            state.drewBar = false
        }
    }

    private static func shortened(_ text: String, to length: Int) -> String {
        text.count <= length ? text : "…" + text.suffix(length - 1)
    }

    private static func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
