import Foundation
import Subprocess
import SystemPackage

/// A command-line program the library relies on (ffprobe, ffmpeg, espeak-ng).
///
/// Always started with an argument array, never through a shell, with its output bounded and a
/// time limit after which it is torn down.
public struct ExternalTool: Sendable {
    public let name: String
    /// A program name looked up on `PATH`, or an absolute path.
    public let executable: String
    /// What to do when it is missing, e.g. "install ffmpeg (sudo apt-get install ffmpeg)".
    public let installHint: String

    public init(name: String, executable: String, installHint: String) {
        self.name = name
        self.executable = executable
        self.installHint = installHint
    }

    public struct Output: Sendable {
        public var standardOutput: [UInt8]
        public var standardError: String
    }

    /// Runs the tool and returns its output when it exits with status 0.
    public func run(
        _ arguments: [String],
        input: [UInt8] = [],
        workingDirectory: String? = nil,
        outputLimit: Int = 16 << 20,
        timeout: Duration = .seconds(60)
    ) async throws(ToolError) -> Output {
        let directory = workingDirectory.map { FilePath($0) }
        let name = self.name
        return try await supervised(timeout: timeout, outputLimit: outputLimit) { executable in
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(arguments),
                workingDirectory: directory,
                input: .array(input),
                output: .bytes(limit: outputLimit),
                error: .string(limit: 256 << 10)
            )
            let standardError = result.standardError
            guard result.terminationStatus.isSuccess else {
                throw ToolError.failed(tool: name, status: "\(result.terminationStatus)", message: Self.lastLines(of: standardError))
            }
            return Output(standardOutput: result.standardOutput, standardError: standardError)
        }
    }

    /// Runs the tool, handing each line of its standard output to `line` as it is written (a
    /// long encode's progress), and returns its error output when it exits with status 0.
    public func run(
        _ arguments: [String],
        timeout: Duration,
        eachLine line: @escaping @Sendable (String) -> Void
    ) async throws(ToolError) -> String {
        let name = self.name
        return try await supervised(timeout: timeout, outputLimit: 0) { executable in
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(arguments),
                input: .none,
                output: .sequence,
                error: .string(limit: 256 << 10)
            ) { execution in
                for try await text in execution.standardOutput.strings() { line(text) }
            }
            let standardError = result.standardError ?? ""
            guard result.terminationStatus.isSuccess else {
                throw ToolError.failed(tool: name, status: "\(result.terminationStatus)", message: Self.lastLines(of: standardError))
            }
            return standardError
        }
    }

    /// Runs `body` against the time limit, and says in `ToolError`'s words why it failed.
    private func supervised<T: Sendable>(
        timeout: Duration,
        outputLimit: Int,
        _ body: @escaping @Sendable (Executable) async throws -> T
    ) async throws(ToolError) -> T {
        let executable: Executable = self.executable.contains("/") ? .path(FilePath(self.executable)) : .name(self.executable)
        let name = self.name
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(executable) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let output = first else {
                    throw ToolError.timedOut(tool: name, after: timeout)
                }
                return output
            }
        } catch let error as ToolError {
            throw error
        } catch let error as SubprocessError where error.code == .executableNotFound {
            throw .missing(tool: name, executable: self.executable, hint: installHint)
        } catch let error as SubprocessError where error.code == .outputLimitExceeded {
            throw .failed(tool: name, status: "stopped", message: "it wrote more than \(outputLimit >> 20) MiB")
        } catch is CancellationError {
            throw .cancelled(tool: name)
        } catch {
            throw .failed(tool: name, status: "not started", message: "\(error)")
        }
    }

    /// The end of a tool's error output is where it says what went wrong.
    static func lastLines(of text: String, count: Int = 2) -> String {
        text.split(whereSeparator: \.isNewline).suffix(count).map { $0.trimmingSpaces() }.joined(separator: " / ")
    }
}

public enum ToolError: Error, CustomStringConvertible, Equatable {
    case missing(tool: String, executable: String, hint: String)
    case failed(tool: String, status: String, message: String)
    case timedOut(tool: String, after: Duration)
    case cancelled(tool: String)

    public var description: String {
        switch self {
        case .missing(let tool, let executable, let hint):
            executable == tool ? "\(tool) was not found on PATH: \(hint)." : "\(tool) was not found at '\(executable)': \(hint)."
        case .failed(let tool, let status, let message):
            message.isEmpty ? "\(tool) failed (\(status))" : "\(tool) failed (\(status)): \(message)"
        case .timedOut(let tool, let after):
            "\(tool) did not finish within \(after.components.seconds) s and was stopped"
        case .cancelled(let tool):
            "\(tool) was cancelled"
        }
    }
}
