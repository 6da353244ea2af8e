import CinemaCore
import Foundation
import Subprocess
import SystemPackage

/// `cinema serve` (or another long-running subcommand) as a real process, for tests of what
/// happens to it as a process: started, its address read from the line it prints when it is
/// listening, signalled, restarted.
public struct ServerProcess: Sendable {
    public let port: Int
    public let processID: Int32
    private let signal: @Sendable (Int32) throws -> Void

    public var base: String { "http://127.0.0.1:\(port)" }

    public func send(_ signal: Int32) throws { try self.signal(signal) }

    /// Runs `body`, then stops the server (SIGTERM), or kills it should `body` fail.
    public func stopping<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            try send(SIGTERM)
            return result
        } catch {
            try? send(SIGKILL)
            throw error
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Runs `cinema <arguments>` until `body` returns and the process has exited (`body` must
    /// make it exit, for example with SIGTERM). Returns `body`'s result and the exit status
    /// (128 + signal when killed).
    public static func run<T: Sendable>(
        _ arguments: [String],
        environment: [String: String],
        executable: String = CinemaExecutable.path,
        _ body: @Sendable (ServerProcess) async throws -> T
    ) async throws -> (T, Int32) {
        let result = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            environment: CinemaExecutable.cleanEnvironment(adding: environment),
            input: .none,
            output: .sequence,
            error: .string(limit: 1 << 20)
        ) { execution in
            var port: Int?
            for try await line in execution.standardOutput.strings() {
                if let range = line.range(of: "listening on http://") {
                    let address = line[range.upperBound...].prefix { $0 != " " }
                    port = address.split(separator: ":").last.flatMap { Int($0) }
                    break
                }
            }
            guard let port else { throw Failure(description: "cinema \(arguments.joined(separator: " ")) exited before it was listening") }
            let process = ServerProcess(port: port, processID: execution.processIdentifier.value) { signal in
                try execution.send(signal: Signal(rawValue: signal))
            }
            return try await body(process)
        }
        let status = result.terminationStatus.shellStatus
        if status != 0 && status != 128 + 9 && status != 128 + 15 {
            try? FileHandle.standardError.write(
                contentsOf: Data("cinema \(arguments.joined(separator: " ")) exited \(status):\n\(result.standardError)\n".utf8)
            )
        }
        return (result.closureResult, status)
    }
}
