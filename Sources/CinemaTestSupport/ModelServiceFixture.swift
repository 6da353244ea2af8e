import CinemaCore
import Foundation
import Subprocess
import SystemPackage

/// The real model service (cinema-models: Whisper on the CPU) for tests that need a lot of
/// speech heard, such as whole films.
///
/// Started once per test process, on port 0, from this repository's `cinema-models` with the
/// Python of its `.venv`, and shared by every test that asks: loading the model takes seconds,
/// and one service serves many callers (it hears one piece at a time; the others wait their
/// turn). It runs with `--parent-watch`, so it goes when the test process does. (Tests of the
/// service's supervision use `ModelService` itself, one service per test.)
public enum ModelServiceFixture {
    /// The Python of the service's virtual environment: `CINEMA_MODELS_PYTHON`, as for `cinema`,
    /// else `cinema-models/.venv/bin/python` in the repository.
    public static let python: String = {
        if let configured = ProcessInfo.processInfo.environment["CINEMA_MODELS_PYTHON"], !configured.isEmpty { return configured }
        return SharedData.packageRoot + "/cinema-models/.venv/bin/python"
    }()

    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: python)
    }

    /// Why the tests that need it are skipped, and what to do.
    public static let missing =
        "the model service is not installed (no \(python)): run cinema-models/install (script/bootstrap does), "
        + "or set CINEMA_MODELS_PYTHON to the Python of an installed one"

    /// Its base URL for OpenAI's API, `http://127.0.0.1:PORT/v1`, starting it on first use.
    public static func baseURL() async throws -> String {
        try await starter.baseURL()
    }

    private static let starter = Starter()

    private actor Starter {
        private var service: Task<String, any Error>?

        func baseURL() async throws -> String {
            if let service { return try await service.value }
            // Unstructured on purpose: the service outlives the test that happened to ask first.
            let started = Task.detached { try await ModelServiceFixture.start() }
            service = started
            return try await started.value
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private enum Event: Sendable {
        case listening(String)
        case ended(String)
    }

    private static func start() async throws -> String {
        let (events, report) = AsyncStream.makeStream(of: Event.self)
        // Runs for the rest of the test process: the service's output must be read for as long
        // as it writes (one line per request), or it would block on a full pipe.
        Task.detached {
            var log: [String] = []
            do {
                _ = try await Subprocess.run(
                    .path(FilePath(python)),
                    arguments: ["-m", "cinema_models", "serve", "--port", "0", "--parent-watch", "--log-level", "warning"],
                    workingDirectory: FilePath(SharedData.packageRoot + "/cinema-models"),
                    input: .none,
                    output: .sequence,
                    error: .combinedWithOutput
                ) { execution in
                    for try await line in execution.standardOutput.strings() {
                        if let range = line.range(of: "listening on http://") {
                            let address = line[range.lowerBound...].dropFirst("listening on ".count).prefix { $0 != " " }
                            report.yield(.listening(address + "/v1"))
                        } else if log.count < 40 {
                            log.append(line)
                        }
                    }
                }
                report.yield(.ended("it exited:\n" + log.joined(separator: "\n")))
            } catch {
                report.yield(.ended("\(error)\n" + log.joined(separator: "\n")))
            }
            report.finish()
        }
        let first = try await Deadline.within(.seconds(180)) {
            for await event in events { return event }
            return Event.ended("it wrote nothing")
        }
        switch first {
        case .listening(let url)?: return url
        case .ended(let why)?: throw Failure(description: "cinema-models did not start with \(python): \(why)")
        case nil: throw Failure(description: "cinema-models did not say it was listening within 180 s")
        }
    }
}
