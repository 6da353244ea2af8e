import CinemaCore
import Foundation
import Synchronization

/// The model service's output: written to its rotating log file, and the last line of its error
/// output kept to say why it stopped (the service names a bad weight file there).
final class ServiceLog: Sendable {
    private let file: RotatingLog?
    private let lastErrorLine = Mutex<String?>(nil)

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
        if isError { lastErrorLine.withLock { $0 = line } }
    }

    var lastError: String? { lastErrorLine.withLock { $0 } }
}
