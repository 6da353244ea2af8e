import CinemaCore
import Foundation

/// What the supervisor asks the backend about a client's session.
public protocol SessionProbe: Sendable {
    /// Whether the session still lives; a client without one, or a backend that cannot be
    /// asked, counts as live (a client is better restarted once too often than left dead).
    func isLive(_ identifier: String?, backend: String) async -> Bool
    func raiseNeedsHelp(_ identifier: String, backend: String, reason: String) async
}

/// The backend's HTTP API: `GET /api/sessions/{id}`, `POST /api/sessions/{id}/needs-help`.
public struct BackendSessionProbe: SessionProbe {
    /// The operator token, for a backend beyond loopback.
    let operatorToken: String?

    public init(operatorToken: String? = nil) {
        self.operatorToken = operatorToken
    }

    public func isLive(_ identifier: String?, backend: String) async -> Bool {
        guard let identifier else { return true }
        do {
            let (status, json) = try await BackendCall(base: backend, operatorToken: operatorToken).callAPI("/api/sessions/\(identifier)")
            if status == 404 { return false }
            return json["session"]?["status"]?.stringValue != "ended"
        } catch {
            return true
        }
    }

    public func raiseNeedsHelp(_ identifier: String, backend: String, reason: String) async {
        _ = try? await BackendCall(base: backend, operatorToken: operatorToken).callAPI(
            "/api/sessions/\(identifier)/needs-help",
            body: ["reason": .string(reason)]
        )
    }

    static func url(_ base: String, _ path: String) -> String? {
        guard URL(string: base)?.host != nil else { return nil }
        let identifierSafe = path.allSatisfy { $0.isLetter || $0.isNumber || "-/_".contains($0) }
        guard identifierSafe else { return nil }
        return ServiceAddress.base(base) + path
    }
}
