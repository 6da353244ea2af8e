import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Posts JSON to a model's API and reads the JSON back, with bounded bodies and errors that say
/// what went wrong.
struct ModelHTTP: Sendable {
    let client: HTTPClient

    /// The client the model directors share. It does not retry a refused connection: a model
    /// server that is down should hand the turn to the retrieval director at once, not after
    /// the whole time budget. Lives as long as the process, so it is never shut down.
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(3)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Answers larger than this are not model replies.
    static let maximumBody = 4 << 20

    func post(_ url: String, headers: [(String, String)], body: some Encodable, timeout: Duration) async throws(ChatModelError) -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        do {
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        } catch {
            throw .malformed("could not encode the request: \(error)")
        }
        let response: HTTPClientResponse
        let data: Data
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
            data = Data(buffer: try await response.body.collect(upTo: Self.maximumBody))
        } catch is CancellationError {
            throw .cancelled
        } catch let error as HTTPClientError where error == .cancelled {
            throw .cancelled
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .unreachable(url: url, reason: "\(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            throw .http(status: Int(response.status.code), message: Self.errorMessage(in: data) ?? "\(response.status)")
        }
        return data
    }

    /// Both providers put a message in `error`: OpenAI `{"error": {"message"}}`, Anthropic
    /// `{"type": "error", "error": {"type", "message"}}`; some servers send a bare string.
    static func errorMessage(in data: Data) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            return text.isEmpty ? nil : text
        }
        if let message = json["error"]?["message"]?.stringValue {
            return json["error"]?["type"]?.stringValue.map { "\($0): \(message)" } ?? message
        }
        return json["error"]?.stringValue ?? json["message"]?.stringValue
    }
}
