import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Asks the player whether it answers (`GET /health`), for the dashboard and the station's own
/// health.
public struct PlayerProbe: Sendable {
    public let url: String

    public init(url: String) {
        self.url = url
    }

    /// `{"url", "reachable", "mpv_running"?, "error"?}`
    public func status() async -> JSONValue {
        var fields: [String: JSONValue] = ["url": .string(url), "reachable": .bool(false)]
        do {
            let health = HTTPClientRequest(url: ServiceAddress.base(url) + "/health")
            let response = try await HTTPClient.shared.execute(health, timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 16)
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
            fields["reachable"] = .bool(response.status == .ok)
            if let running = json["mpv_running"] { fields["mpv_running"] = running }
            if response.status != .ok { fields["error"] = .string(json["error"]?.stringValue ?? "answered \(response.status.code)") }
        } catch {
            fields["error"] = .string("cannot be reached: \(error)")
        }
        return .object(fields)
    }

    /// What the TV shows now, as the player's `/screenshot` gives it: its status and body (a
    /// PNG, or a JSON error).
    public func screenshot(operatorToken: String?) async throws -> (status: Int, contentType: String, body: [UInt8]) {
        var request = HTTPClientRequest(url: ServiceAddress.base(url) + "/screenshot")
        if let operatorToken, !operatorToken.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(operatorToken)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.first(name: "content-type") ?? "application/octet-stream", Array(buffer: body))
    }
}
