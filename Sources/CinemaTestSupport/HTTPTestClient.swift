import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Plain HTTP requests against a server under test, the way curl would make them.
public struct HTTPTestClient: Sendable {
    public let base: String

    public init(base: String) {
        self.base = base
    }

    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as JSON; `.null` when it is not JSON.
        public var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body))) ?? .null }

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", path, headers: headers)
    }

    public func post(_ path: String, _ body: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await request("POST", path, body: body.map { Array($0.utf8) }, headers: headers)
    }

    public func delete(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("DELETE", path, headers: headers)
    }

    public func request(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            // JSON unless the test says otherwise: a test of other types must send just those.
            if !request.headers.contains(name: "Content-Type") { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var collected = try await response.body.collect(upTo: 64 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: fields, body: collected.readBytes(length: collected.readableBytes) ?? [])
    }

    /// A Server-Sent Events stream: each event's `id`, `event` and `data` as they arrive, until
    /// `body` returns.
    public func events<T: Sendable>(
        _ path: String,
        headers: [String: String] = [:],
        _ body: @Sendable (AsyncThrowingStream<ServerSentEvent, any Error>) async throws -> T
    ) async throws -> T {
        var request = HTTPClientRequest(url: base + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        guard response.status == .ok else { throw SSEError.status(Int(response.status.code)) }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ServerSentEvent.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var parser = ServerSentEventParser()
                do {
                    for try await chunk in response.body {
                        for event in parser.parse(chunk.readableBytesView) { continuation.yield(event) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            let result = try await body(stream)
            group.cancelAll()
            return result
        }
    }

    public enum SSEError: Error {
        case status(Int)
    }
}
