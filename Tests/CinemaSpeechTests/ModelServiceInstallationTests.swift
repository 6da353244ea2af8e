import CinemaSpeech
import CinemaTestSupport
import Foundation
import Testing

@Suite("Finding the model service")
struct ModelServiceInstallationTests {
    @Test("No environment is 'not installed'; an environment whose Python cannot be run says where it leads and how to make it again")
    func unusablePython() async throws {
        try await TemporaryDirectory.with { directory in
            let folder = try directory.makeDirectory("cinema-models")
            try directory.write("cinema-models/cinema_models/__main__.py", "")
            guard case .failure(let missing) = ModelServiceInstallation.find(folder: folder) else {
                Issue.record("an installation without an environment was taken for one")
                return
            }
            #expect(missing.description.contains("is not installed (no \(folder)/.venv/bin/python)"), "\(missing)")

            // As a service user meets a pyenv Python in /root: the links are there, the
            // interpreter is not to be had.
            try FileManager.default.createDirectory(atPath: folder + "/.venv/bin", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: folder + "/.venv/bin/python", withDestinationPath: "python3")
            try FileManager.default.createSymbolicLink(atPath: folder + "/.venv/bin/python3", withDestinationPath: "/nonexistent/pyenv/python3")
            #expect(ModelServiceInstallation.linkTarget(of: folder + "/.venv/bin/python") == "/nonexistent/pyenv/python3")
            guard case .failure(let closed) = ModelServiceInstallation.find(folder: folder) else {
                Issue.record("an environment whose Python cannot run was taken for an installation")
                return
            }
            #expect(closed.description.contains("has a Python this user cannot run"), "\(closed)")
            #expect(closed.description.contains("leads to /nonexistent/pyenv/python3"), "\(closed)")
            #expect(closed.description.contains("PYTHON=/usr/bin/python3 \(folder)/install"), "\(closed)")
        }
    }
}
