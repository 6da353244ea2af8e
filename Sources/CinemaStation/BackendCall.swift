import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One call from the station to its backend's API: the operator token when there is one, a
/// JSON body for a POST, 5 s to answer, and the answer's JSON (null when it has none).
struct BackendCall: Sendable {
    let base: String
    let operatorToken: String?

    enum Failure: Error {
        /// `base` and the path do not make a URL the station will call.
        case unusableURL
        case unreachable(any Error)
    }

    func callAPI(
        _ path: String,
        query: String = "",
        body: [String: JSONValue]? = nil,
        limit: Int = 16 << 20
    ) async throws(Failure) -> (status: Int, json: JSONValue) {
        guard let url = BackendSessionProbe.url(base, path) else { throw .unusableURL }
        var request = HTTPClientRequest(url: url + query)
        if let operatorToken { request.headers.add(name: "authorization", value: "Bearer \(operatorToken)") }
        if let body {
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: (try? JSONEncoder().encode(body)) ?? Data("{}".utf8)))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let bytes = try await response.body.collect(upTo: limit)
            return (Int(response.status.code), (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null)
        } catch {
            throw .unreachable(error)
        }
    }
}
