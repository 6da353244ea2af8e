import CinemaCore
import Foundation
import Synchronization

/// The model service's output: written to its rotating log file, and the last lines of its error
/// output kept to say why it stopped (the service names a bad weight file there).
final class ServiceLog: Sendable {
    private let file: RotatingLog?
    private let recent = Mutex<[String]>([])

    init(path: String?) {
        if let path {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            file = RotatingLog(path: path, maxBytes: 5 << 20, keep: 1)
        } else {
            file = nil
        }
    }

    deinit { file?.close() }

    func write(_ line: String, isError: Bool) {
        let line = line.trimmingCharacters(in: .newlines)
        guard !line.isEmpty else { return }
        file?.write(line: line)
        guard isError else { return }
        recent.withLock { lines in
            lines.append(line)
            if lines.count > 20 { lines.removeFirst() }
        }
    }

    var lastErrors: [String] { recent.withLock { $0 } }
}
