import Crypto
import Foundation
public import Hummingbird

/// Decides who may act as the operator: anyone when the server listens on loopback only (the
/// whole installation is this machine), else whoever presents the operator token. The backend
/// and the station share one token, kept in the data directory's `operator-token` file.
public struct OperatorGate: Sendable {
    public let token: String
    public let required: Bool

    public init(token: String, required: Bool) {
        self.token = token
        self.required = required
    }

    public func check(_ request: Request) throws(APIError) {
        try check(presented: request.bearerToken ?? request.uri.queryParameters.get("token"))
    }

    public func check(presented: String?) throws(APIError) {
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
