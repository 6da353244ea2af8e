import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `GET /health` of a Cinema Chat service, with a short timeout: what answered, if anything.
enum HealthProbe {
    struct Answer: Sendable {
        var status: Int
        var body: JSONValue
    }

    static func ask(_ baseURL: String, timeout: TimeAmount = .seconds(2)) async throws -> Answer {
        let request = HTTPClientRequest(url: ServiceAddress.base(baseURL) + "/health")
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 16)
        return Answer(status: Int(response.status.code), body: (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null)
    }

    /// Which of our roles answered, told by the fields only its `/health` has.
    static func role(_ answer: Answer) -> String? {
        if answer.body["director"] != nil { return "backend" }
        if answer.body["clients"] != nil { return "station" }
        if answer.body["mpv_running"] != nil { return "player" }
        return nil
    }
}
