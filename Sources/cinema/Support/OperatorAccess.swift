import ArgumentParser
import CinemaCore
import CinemaHTTP
import Configuration
import Foundation

/// Who may use a service a command runs: the names it answers to, and, beyond loopback, the
/// operator's token. The backend writes the token; the station and the player read it from the
/// same data directory (or `CINEMA_BACKEND_OPERATOR_TOKEN`).
extension CommandContext {
    /// The operator token, if this machine has one.
    var operatorToken: String? {
        let configured = reader.string(forKey: "backend.operatorToken", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        let stored = try? String(contentsOfFile: operatorTokenFile, encoding: .utf8)
        return (configured ?? stored)?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
    }

    var operatorTokenFile: String { home.path + "/operator-token" }

    /// Open on loopback; beyond it, the operator token guards `guarded` (a phrase: "starting
    /// clients and choosing the microphone"), and a service without one refuses to start.
    func operatorGate(service: String, listeningOn host: String, guarding guarded: String) throws -> OperatorGate {
        if LoopbackHost.contains(host) { return OperatorGate(token: operatorToken ?? "", required: false) }
        guard let token = operatorToken else {
            throw ValidationError(
                "The \(service) listens on \(host), beyond this machine, so \(guarded) need the operator token, and there is none: run cinema serve once with this CINEMA_HOME (it writes \(operatorTokenFile)), or set CINEMA_BACKEND_OPERATOR_TOKEN."
            )
        }
        return OperatorGate(token: token, required: true)
    }

    /// The caller rule for `service`, with the names listed in `CINEMA_ALLOWED_HOSTS`.
    func callerPolicy(service: String) -> CallerPolicy {
        CallerPolicy(service: service, hostNames: reader.list(forKey: "allowedHosts"))
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
