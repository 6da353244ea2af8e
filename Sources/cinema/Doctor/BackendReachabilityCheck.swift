import CinemaCore
import NIOCore

/// The backend the station is told to use (`--backend-url`, `CINEMA_BACKEND_URL`, `BACKEND_URL`):
/// it answers `/health` from here. Without one, the station uses the backend `cinema up` runs
/// beside it, which the port checks cover.
struct BackendReachabilityCheck: Sendable {
    /// The configured URL; nil when none is.
    var url: String?
    var defaultURL: String

    func look() async -> DoctorCheck.Outcome {
        guard let url else {
            return .ok("No backend URL is set; the station uses \(defaultURL), the one cinema up runs beside it.")
        }
        do {
            let answer = try await HealthProbe.ask(url, timeout: .seconds(2))
            let state = answer.body["status"]?.stringValue ?? "answered \(answer.status)"
            guard HealthProbe.role(answer) == "backend" else {
                return .failed(
                    "\(url)/health answers, but not as a Cinema Chat backend (\(state)).",
                    fix: "Give the backend's own address (cinema serve prints it) with --backend or CINEMA_BACKEND_URL."
                )
            }
            guard answer.status == 200 else {
                let why = answer.body["error"]?.stringValue ?? "no reason given"
                return .warning("\(url) answers from here but is \(state): \(why)", fix: "Do what its health says on the backend's machine.")
            }
            let version = answer.body["version"]?.stringValue.map { ", version \($0)" } ?? ""
            return .ok("\(url) answers from here (\(state)\(version)).")
        } catch {
            return .failed(
                "Nobody answers at \(url) (\(error)).",
                fix:
                    "Start the backend there (cinema serve --host 0.0.0.0 on that machine), or correct the URL given with --backend or CINEMA_BACKEND_URL."
            )
        }
    }
}
