import CinemaLibrary
import CinemaSpeech
import Foundation

/// The model service: installed, and its weights the published ones. The check is the service's
/// own (`python -m cinema_models verify`, against `weights.sha256`), so the doctor and the
/// service never disagree about a file.
struct ModelWeightsCheck: Sendable {
    /// The installation found, or why there is none.
    var installation: Result<ModelServiceInstallation, ModelServiceInstallation.NotInstalled>
    /// The Whisper model the service would load (`base` or `tiny.en`).
    var model: String
    /// The weights folder, when not the one in the service's virtual environment.
    var weightsFolder: String?
    /// Another Whisper server named instead (`CINEMA_WHISPER_BASE_URL`).
    var remoteWhisper: String?
    /// Why the service's settings cannot be used, when they cannot.
    var misconfigured: String?

    static let embeddingModel = "all-MiniLM-L6-v2"

    func look() async -> DoctorCheck.Outcome {
        if let remoteWhisper {
            return .ok("Whisper is the server at \(remoteWhisper) (CINEMA_WHISPER_BASE_URL); the model service is not used for hearing.")
        }
        if let misconfigured {
            return .warning("\(misconfigured) pocketsphinx will hear instead.", fix: "Correct the setting it names.")
        }
        let installed: ModelServiceInstallation
        switch installation {
        case .success(let found): installed = found
        case .failure(let missing):
            return .warning(
                "\(missing.description) pocketsphinx will hear instead, and mishears most words.",
                fix: "Run script/bootstrap (or cinema-models/install) to install it."
            )
        }
        // -B: no bytecode written into the installation (as the service itself runs).
        let arguments = ["-B", "-m", "cinema_models"] + (weightsFolder.map { ["--weights", $0] } ?? []) + ["verify", model, Self.embeddingModel]
        let python = ExternalTool(name: "the model service's weights check", executable: installed.python, installHint: "run cinema-models/install")
        do {
            _ = try await python.run(arguments, workingDirectory: installed.folder, outputLimit: 1 << 16, timeout: .seconds(25))
            let folder = weightsFolder.map { " in \($0)" } ?? ""
            return .ok("\(installed.folder): the Whisper \(model) and \(Self.embeddingModel) weights\(folder) match weights.sha256.")
        } catch let ToolError.failed(_, _, message) {
            return .warning(
                "\(message.isEmpty ? "The weights do not match weights.sha256." : message.replacingOccurrences(of: "cinema-models: ", with: "")) pocketsphinx will hear instead.",
                fix: "Run \(installed.folder)/install again to restore the weights."
            )
        } catch {
            return .warning(
                "The weights could not be checked: \(error). pocketsphinx may hear instead.",
                fix: "Run \(installed.folder)/install again."
            )
        }
    }
}
