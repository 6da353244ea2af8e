import CinemaCore
import Foundation
import Subprocess
import SystemPackage

/// Runs the `cinema` binary that `swift build` made, the way a person at a terminal would.
public enum CinemaExecutable {
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The built binary, beside the test bundle in the build folder.
    public static var path: String {
        let bundle = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = bundle.deletingLastPathComponent()
        // On Linux the tests run from `<build>/debug/<package>PackageTests.xctest`.
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("cinema").path
    }

    /// Runs `cinema` with `arguments`; `environment` replaces the inherited one entirely except
    /// for PATH and HOME, so the machine's own settings cannot leak into a test.
    public static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        input: String = "",
        asUser user: String? = nil
    ) async throws -> Result {
        if let user {
            // setpriv drops root for tests about permissions, which root would otherwise bypass.
            let group = user == "nobody" ? "nogroup" : user
            return try await runProgram(
                "/usr/bin/setpriv",
                ["--reuid=\(user)", "--regid=\(group)", "--clear-groups", path] + arguments,
                environment: environment,
                workingDirectory: workingDirectory,
                input: input
            )
        }
        return try await runProgram(path, arguments, environment: environment, workingDirectory: workingDirectory, input: input)
    }

    /// Runs any program the same way: argument array, clean environment, output collected.
    public static func runProgram(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        input: String = ""
    ) async throws -> Result {
        let result = try await Subprocess.run(
            .path(FilePath(executable)),
            arguments: Arguments(arguments),
            environment: cleanEnvironment(adding: environment),
            workingDirectory: workingDirectory.map { FilePath($0) },
            input: .string(input),
            output: .string(limit: 32 << 20),
            error: .string(limit: 32 << 20)
        )
        let status = result.terminationStatus.shellStatus
        return Result(status: status, standardOutput: result.standardOutput, standardError: result.standardError)
    }

    /// A clean environment (PATH and HOME only) with `variables` added, so that a test sees only
    /// the configuration it sets. Embeddings are off unless a test turns them on
    /// (`CINEMA_EMBEDDINGS_ENABLED`, or a `CINEMA_EMBEDDINGS_URL` of its own): otherwise every
    /// library a test indexes would start a model service of its own to embed it, and the tests
    /// running at once would wait on each other's.
    public static func cleanEnvironment(adding variables: [String: String]) -> Environment {
        var all: [Environment.Key: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp",
        ]
        if variables["CINEMA_EMBEDDINGS_URL"] == nil { all["CINEMA_EMBEDDINGS_ENABLED"] = "false" }
        for (key, value) in variables { all[Environment.Key(stringLiteral: key)] = value }
        return .custom(all)
    }
}
