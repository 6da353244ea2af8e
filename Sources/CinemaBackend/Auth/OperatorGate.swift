import CinemaHTTP
import Crypto
import Foundation
import Hummingbird

/// Decides who may act as the operator: anyone when the backend listens on loopback only (the
/// whole installation is this machine), else whoever presents the operator token.
struct OperatorGate: Sendable {
    let token: String
    let required: Bool

    func check(_ request: Request) throws(APIError) {
        try check(presented: request.bearerToken ?? request.uri.queryParameters.get("token"))
    }

    func check(presented: String?) throws(APIError) {
        guard required else { return }
        guard let presented, !presented.isEmpty else {
            throw APIError(
                .unauthorized,
                code: "operator-token-required",
                "This needs the operator token (Authorization: Bearer …). It is in the backend's data directory, in the file operator-token."
            )
        }
        guard Self.equal(presented, token) else {
            throw APIError(
                .forbidden,
                code: "operator-token-invalid",
                "The operator token does not match. Copy it again from the operator-token file in the backend's data directory."
            )
        }
    }

    /// Compares in time independent of where the strings differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let left = SHA256.hash(data: Data(a.utf8))
        let right = SHA256.hash(data: Data(b.utf8))
        return left == right
    }
}
