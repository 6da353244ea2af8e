import CinemaCore
import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// A program run for a test that reads its log as it is written: the test waits for a line
/// instead of guessing how long something takes, signals the process, and gets its exit status
/// and whole log at the end.
public final class WatchedProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private struct State {
        var lines: [String] = []
        var finished = false
        var waiters: [UUID: (needle: String, occurrence: Int, continuation: CheckedContinuation<String?, Never>)] = [:]

        /// The `occurrence`th line containing `needle`, if written yet.
        func line(containing needle: String, occurrence: Int) -> String? {
            var seen = 0
            for line in lines where line.contains(needle) {
                seen += 1
                if seen == occurrence { return line }
            }
            return nil
        }
    }

    private let state = Mutex(State())
    private let signal: @Sendable (Int32) throws -> Void
    public let processID: Int32

    private init(processID: Int32, signal: @escaping @Sendable (Int32) throws -> Void) {
        self.processID = processID
        self.signal = signal
    }

    /// Runs `cinema <arguments>` (standard output and error together) for as long as `body`
    /// runs and then until it exits; `body` must see to it that it does. Should `body` throw, the
    /// process is killed. Returns `body`'s result, the exit status (128 + signal when killed) and
    /// every line it wrote.
    public static func run<T: Sendable>(
        _ arguments: [String],
        environment: [String: String],
        executable: String = CinemaExecutable.path,
        _ body: @Sendable (WatchedProcess) async throws -> T
    ) async throws -> (T, status: Int32, log: [String]) {
        let watched = Mutex<WatchedProcess?>(nil)
        let result = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            environment: CinemaExecutable.cleanEnvironment(adding: environment),
            input: .none,
            output: .sequence,
            error: .combinedWithOutput
        ) { execution in
            let process = WatchedProcess(processID: execution.processIdentifier.value) { signal in
                try execution.send(signal: Signal(rawValue: signal))
            }
            watched.withLock { $0 = process }
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    for try await line in execution.standardOutput.strings() { process.append(line) }
                    process.finish()
                    return nil
                }
                do {
                    let value = try await body(process)
                    while let next = try await group.next() {
                        if next == nil { break }
                    }
                    return value
                } catch {
                    try? process.send(SIGKILL)
                    throw error
                }
            }
        }
        let status = result.terminationStatus.shellStatus
        return (result.closureResult, status, watched.withLock { $0?.log } ?? [])
    }

    public func send(_ signal: Int32) throws { try self.signal(signal) }

    /// Every line so far.
    public var log: [String] { state.withLock { $0.lines } }

    /// The first line containing `needle` (or the `occurrence`th), already written or still to
    /// come, or an error with the log's end when none comes within `limit` or the process exits
    /// first.
    @discardableResult
    public func line(containing needle: String, occurrence: Int = 1, within limit: Duration = .seconds(30)) async throws -> String {
        let key = UUID()
        let found = try await Deadline.within(limit) {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                    let immediate: String?? = self.state.withLock { state in
                        if let line = state.line(containing: needle, occurrence: occurrence) { return .some(line) }
                        if state.finished || Task.isCancelled { return .some(nil) }
                        state.waiters[key] = (needle, occurrence, continuation)
                        return .none
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                self.state.withLock { $0.waiters.removeValue(forKey: key) }?.continuation.resume(returning: nil)
            }
        }
        guard let line = found ?? nil else {
            throw Failure(
                description: "No line \(occurrence) containing '\(needle)' within \(limit); the log ends:\n\(log.suffix(15).joined(separator: "\n"))"
            )
        }
        return line
    }

    private func append(_ line: String) {
        let matched = state.withLock { state in
            state.lines.append(line)
            let keys = state.waiters.filter {
                line.contains($0.value.needle) && state.line(containing: $0.value.needle, occurrence: $0.value.occurrence) == line
            }.map(\.key)
            return keys.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in matched { continuation.resume(returning: line) }
    }

    private func finish() {
        let waiting = state.withLock { state in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume(returning: nil) }
    }
}
