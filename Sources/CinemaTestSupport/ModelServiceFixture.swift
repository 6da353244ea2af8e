import CinemaCore
import CinemaSpeech
import Foundation

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

    /// The installation the fixture runs: this repository's `cinema-models` with ``python``.
    public static var installation: ModelServiceInstallation {
        ModelServiceInstallation(folder: SharedData.packageRoot + "/cinema-models", python: python)
    }

    private static let starter = Starter()

    private actor Starter {
        private var service: ModelService?

        func baseURL() async throws -> String {
            let service = self.service ?? ModelServiceFixture.start()
            self.service = service
            if let url = await service.baseURL(within: .seconds(180)) { return url }
            throw Failure(description: "cinema-models did not start with \(python): \(await service.state)")
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The service, supervised as `cinema` supervises it (restarted if it dies), for the rest
    /// of the test process.
    private static func start() -> ModelService {
        let service = ModelService(configuration: ModelService.Configuration(installation: installation))
        // Unstructured on purpose: the service outlives the test that happened to ask first.
        Task.detached { await service.supervise() }
        return service
    }
}
