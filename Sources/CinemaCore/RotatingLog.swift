import Foundation

/// A log file rotated by size: `NAME.log`, then `.1`, `.2` … up to `keep`, so that weeks of a
/// chatty client or service fill no disk.
public final class RotatingLog: @unchecked Sendable {
    public let path: String
    private let maxBytes: Int
    private let keep: Int
    private var handle: FileHandle?
    private var size: Int
    private let lock = NSLock()

    public init(path: String, maxBytes: Int = 1 << 20, keep: Int = 3) {
        self.path = path
        self.maxBytes = maxBytes
        self.keep = keep
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        size = Int((try? handle?.seekToEnd()) ?? 0)
    }

    public func write(line: String) {
        lock.withLock {
            let data = Data((line + "\n").utf8)
            if size + data.count > maxBytes { rotate() }
            // Not `write(_:)`: on Linux it traps on a full disk, and a log line is not worth the process.
            guard (try? handle?.write(contentsOf: data)) != nil else { return }
            size += data.count
        }
    }

    public func close() {
        lock.withLock {
            try? handle?.close()
            handle = nil
        }
    }

    private func rotate() {
        try? handle?.close()
        let files = FileManager.default
        try? files.removeItem(atPath: "\(path).\(keep)")
        for index in stride(from: keep - 1, through: 1, by: -1) {
            try? files.moveItem(atPath: "\(path).\(index)", toPath: "\(path).\(index + 1)")
        }
        try? files.moveItem(atPath: path, toPath: "\(path).1")
        _ = files.createFile(atPath: path, contents: nil)
        handle = FileHandle(forWritingAtPath: path)
        size = 0
    }
}
