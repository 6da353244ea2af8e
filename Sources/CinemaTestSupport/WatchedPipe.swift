import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real named pipe (mkfifo) that notices being opened for reading: a non-blocking open for
/// writing succeeds only while a reader has it open. That open also lets the reader go on (it
/// reads an empty file), so code that opens the pipe makes the test fail instead of hang.
public struct WatchedPipe: Sendable {
    public let path: String

    public init(_ path: String) throws {
        guard mkfifo(path, 0o644) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        self.path = path
    }

    /// Runs `body`; `opened` says whether anything opened the pipe for reading meanwhile.
    public func watching<T: Sendable>(_ body: () async throws -> T) async throws -> (T, opened: Bool) {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            let path = self.path
            group.addTask {
                while !Task.isCancelled {
                    let descriptor = open(path, O_WRONLY | O_NONBLOCK)
                    if descriptor >= 0 {
                        close(descriptor)
                        return true
                    }
                    do {
                        try await Task.sleep(for: .milliseconds(20))
                    } catch {
                        return false
                    }
                }
                return false
            }
            let result = try await body()
            group.cancelAll()
            return (result, try await group.next() ?? false)
        }
    }
}
