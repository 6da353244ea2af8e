import CinemaCore
import Crypto
import Foundation

/// Issues and checks room tokens: `base64url(payload) "." base64url(HMAC-SHA256(payload))`,
/// where the payload names the room and the expiry. A token opens only its own room, and only
/// until it expires; nobody without the backend's secret can make one.
public struct RoomTokenSigner: Sendable {
    /// Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let secret: Data

    public init(secret: Data) {
        self.secret = secret
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    struct Payload: Codable {
        /// Room id.
        var r: String
        /// Expiry, Unix seconds.
        var e: Int64
    }

    public func issue(room: String, expires: Date) -> String {
        let payload = Payload(r: room, e: Int64(expires.timeIntervalSince1970.rounded(.up)))
        // Encoding two plain fields cannot fail.
        let body = Base64URL.encode((try? JSONEncoder().encode(payload)) ?? Data())
        return body + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: key)))
    }

    /// Checks `token` for `room` at `now`; throws what is wrong with it.
    public func verify(_ token: String, room: String, now: Date) throws(RoomTokenError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = Base64URL.decode(String(parts[1])), let payloadData = Base64URL.decode(String(parts[0])) else {
            throw .malformed
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(parts[0].utf8), using: key) else {
            throw .badSignature
        }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: payloadData) else { throw .malformed }
        guard payload.r == room else { throw .otherRoom(payload.r) }
        let expiry = Date(timeIntervalSince1970: TimeInterval(payload.e))
        guard expiry > now else { throw .expired(expiry) }
    }
}

public enum RoomTokenError: Error, Equatable, CustomStringConvertible {
    case missing
    case malformed
    case badSignature
    case otherRoom(String)
    case expired(Date)

    public var description: String {
        switch self {
        case .missing:
            "No room token. Pass the token from /api/connect as ?token=… or an Authorization: Bearer header."
        case .malformed:
            "The room token is not one this backend issues. Use the token /api/connect returned."
        case .badSignature:
            "The room token's signature does not match: it was changed, or issued by another backend (or before its secret was replaced). Connect again with /api/connect."
        case .otherRoom(let room):
            "The room token is for room \(room), not this one. Use the token returned with this room's URL."
        case .expired(let date):
            "The room token expired at \(Timestamp.string(date)). Start a new session with /api/connect."
        }
    }

    /// Machine-readable, for the `code` of error replies.
    public var code: String {
        switch self {
        case .missing: "token-missing"
        case .malformed: "token-malformed"
        case .badSignature: "token-invalid"
        case .otherRoom: "token-wrong-room"
        case .expired: "token-expired"
        }
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5), as in JWTs.
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        guard !text.isEmpty, text.allSatisfy({ $0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
