import CinemaCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local HTTP server that speaks like OpenAI's chat completions (`POST /v1/chat/completions`)
/// and Anthropic's messages (`POST /v1/messages`), and OpenAI's embeddings
/// (`POST /v1/embeddings`): each request gets the next scripted answer,
/// in the real wire format, and is recorded so that tests can check what the client sent.
/// Only paid cloud APIs are faked this way; everything else in the tests is the real thing.
public actor FakeModelServer {
    public enum Answer: Sendable {
        /// A status and a body sent as is (JSON, or anything malformed).
        case body(status: Int, String, delay: Duration = .zero)
        /// Wait this long before answering (a slow server).
        case slow(Duration, then: String)
        /// OpenAI embeddings of the request's `input`: each ``wordVector(_:dimensions:)``, or
        /// `count` of them whatever the input (a wrong answer).
        case embeddings(dimensions: Int = 384, count: Int? = nil)
    }

    public struct Received: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: String
        public var bytes: [UInt8]

        /// The WAV file in a multipart upload (a transcription request), if there is one.
        public var uploadedWAV: WAVFile? {
            let riff = Array("RIFF".utf8)
            guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: riff) }), start + 8 <= bytes.count else { return nil }
            let size = bytes[(start + 4)..<(start + 8)].reversed().reduce(0) { $0 << 8 | Int($1) } + 8
            guard start + size <= bytes.count else { return nil }
            return try? WAVFile(bytes: Array(bytes[start..<(start + size)]))
        }

        /// The body parsed as JSON.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        }
    }

    private var script: [Answer]
    private let afterScript: Answer?
    public private(set) var received: [Received] = []

    /// `afterScript` answers every request once the script is used up (else a 500 says so).
    public init(_ script: [Answer], afterScript: Answer? = nil) {
        self.script = script
        self.afterScript = afterScript
    }

    /// Runs the server for the duration of `body`, which gets its base URL (`http://127.0.0.1:PORT`).
    public static func with<T: Sendable>(
        _ script: [Answer],
        afterScript: Answer? = nil,
        _ body: @Sendable (String, FakeModelServer) async throws -> T
    ) async throws -> T {
        let server = FakeModelServer(script, afterScript: afterScript)
        let router = Router()
        for path in ["/v1/chat/completions", "/v1/messages", "/v1/audio/transcriptions", "/v1/embeddings"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let data = try await request.body.collect(upTo: 4 << 20)
                let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { $1 })
                let received = Received(
                    path: path,
                    headers: headers,
                    body: String(decoding: data.readableBytesView, as: UTF8.self),
                    bytes: Array(data.readableBytesView)
                )
                let answer = await server.next(received)
                switch answer {
                case .body(let status, let text, let delay):
                    if delay > .zero { try await Task.sleep(for: delay) }
                    return Self.response(status: status, text)
                case .slow(let delay, let text):
                    try await Task.sleep(for: delay)
                    return Self.response(status: 200, text)
                case .embeddings(let dimensions, let count):
                    let input = received.json["input"] as? [String] ?? []
                    let vectors = count.map { Array(repeating: wordVector("filler", dimensions: dimensions), count: $0) }
                    return Self.response(status: 200, openAIEmbeddings(vectors ?? input.map { wordVector($0, dimensions: dimensions) }))
                }
            }
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fake-model-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body("http://127.0.0.1:\(port)", server)
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    private func next(_ request: Received) -> Answer {
        received.append(request)
        guard !script.isEmpty else {
            if let afterScript { return afterScript }
            return .body(status: 500, #"{"error": {"message": "the test script has no more answers", "type": "server_error"}}"#)
        }
        return script.removeFirst()
    }

    private static func response(status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status),
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    // MARK: Wire-format answers

    /// An OpenAI chat completion that calls tools: `calls` are (id, name, arguments JSON).
    public static func openAIToolCalls(_ calls: [(String, String, String)]) -> Answer {
        let toolCalls = calls.map { id, name, arguments in
            ["id": id, "type": "function", "function": ["name": name, "arguments": arguments]] as [String: Any]
        }
        return .body(
            status: 200,
            json([
                "id": "chatcmpl-test", "object": "chat.completion", "created": 1_700_000_000, "model": "test-model",
                "choices": [
                    ["index": 0, "message": ["role": "assistant", "content": NSNull(), "tool_calls": toolCalls], "finish_reason": "tool_calls"]
                ],
                "usage": ["prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15],
            ])
        )
    }

    /// An OpenAI chat completion with text only.
    public static func openAIText(_ text: String) -> Answer {
        .body(
            status: 200,
            json([
                "id": "chatcmpl-test", "object": "chat.completion", "created": 1_700_000_000, "model": "test-model",
                "choices": [["index": 0, "message": ["role": "assistant", "content": text], "finish_reason": "stop"]],
            ])
        )
    }

    /// A vector that stands for a line's words, the same every time: each word (lowercased,
    /// letters and digits) adds ±1 at eight places its hash picks. Lines that share words point
    /// the same way, so the nearest lines to a line are the ones that say the same things.
    public static func wordVector(_ text: String, dimensions: Int = 384) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensions)
        let words = text.lowercased().split { !$0.isLetter && !$0.isNumber }
        for word in words {
            var hash = StableHash.fnv1a(String(word))
            for _ in 0..<8 {
                hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                vector[Int((hash >> 33) % UInt64(dimensions))] += (hash >> 13) & 1 == 0 ? 1 : -1
            }
        }
        if words.isEmpty { vector[0] = 1 }
        return vector
    }

    /// An OpenAI embeddings answer with `vectors`, in order.
    public static func openAIEmbeddings(_ vectors: [[Float]]) -> String {
        json([
            "object": "list", "model": "all-MiniLM-L6-v2",
            "data": vectors.enumerated().map {
                ["object": "embedding", "index": $0.offset, "embedding": $0.element.map(Double.init)] as [String: Any]
            },
            "usage": ["prompt_tokens": 10, "total_tokens": 10],
        ])
    }

    /// An OpenAI error, as the API sends it.
    public static func openAIError(status: Int, message: String, type: String) -> Answer {
        .body(status: status, json(["error": ["message": message, "type": type, "param": NSNull(), "code": NSNull()]]))
    }

    /// An Anthropic message that uses tools: `uses` are (id, name, input JSON).
    public static func anthropicToolUse(_ uses: [(String, String, String)], text: String? = nil) -> Answer {
        var content: [[String: Any]] = text.map { [["type": "text", "text": $0]] } ?? []
        for (id, name, input) in uses {
            let object = (try? JSONSerialization.jsonObject(with: Data(input.utf8))) ?? [String: Any]()
            content.append(["type": "tool_use", "id": id, "name": name, "input": object])
        }
        return .body(
            status: 200,
            json([
                "id": "msg_test", "type": "message", "role": "assistant", "model": "claude-test", "content": content,
                "stop_reason": "tool_use", "stop_sequence": NSNull(), "usage": ["input_tokens": 10, "output_tokens": 5],
            ])
        )
    }

    /// An Anthropic error, as the API sends it.
    public static func anthropicError(status: Int, type: String, message: String) -> Answer {
        .body(status: status, json(["type": "error", "error": ["type": type, "message": message]]))
    }

    private static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }
}
