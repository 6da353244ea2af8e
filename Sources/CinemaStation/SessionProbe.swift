import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

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
    let client: HTTPClient

    public init(operatorToken: String? = nil) {
        self.operatorToken = operatorToken
        client = HTTPClient.shared
    }

    public func isLive(_ identifier: String?, backend: String) async -> Bool {
        guard let identifier, let url = Self.url(backend, "/api/sessions/\(identifier)") else { return true }
        var request = HTTPClientRequest(url: url)
        if let operatorToken { request.headers.add(name: "authorization", value: "Bearer \(operatorToken)") }
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            if response.status == .notFound { return false }
            let body = try await response.body.collect(upTo: 16 << 20)
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
            return json["session"]?["status"]?.stringValue != "ended"
        } catch {
            return true
        }
    }

    public func raiseNeedsHelp(_ identifier: String, backend: String, reason: String) async {
        guard let url = Self.url(backend, "/api/sessions/\(identifier)/needs-help") else { return }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        if let operatorToken { request.headers.add(name: "authorization", value: "Bearer \(operatorToken)") }
        let body = (try? JSONEncoder().encode(["reason": reason])) ?? Data()
        request.body = .bytes(ByteBuffer(data: body))
        _ = try? await client.execute(request, timeout: .seconds(5))
    }

    static func url(_ base: String, _ path: String) -> String? {
        guard URL(string: base)?.host != nil else { return nil }
        let identifierSafe = path.allSatisfy { $0.isLetter || $0.isNumber || "-/_".contains($0) }
        guard identifierSafe else { return nil }
        return ServiceAddress.base(base) + path
    }
}
