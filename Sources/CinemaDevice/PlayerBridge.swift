import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The client's side of `cinema player`'s HTTP API: play a span, stop, and the player's events.
struct PlayerBridge: Sendable {
    /// What the player reports on `/events`, as the client needs it.
    enum Event: Sendable, Equatable {
        case started(clipID: Int64?)
        /// `eof`, `stopped` or `error`.
        case ended(clipID: Int64?, reason: String)
        case error(String)
        case mpvRestarted(count: Int)
        /// The event stream is (again) open: nothing before this moment can be missed after it.
        case connected
        /// The event stream broke; it is opened again after a pause.
        case lost(String)
    }

    let base: String
    /// The operator token, sent to a player that listens beyond loopback.
    let token: String?
    let client: HTTPClient

    init(url: URL, token: String? = nil, client: HTTPClient = PlayerBridge.sharedClient) {
        base = ServiceAddress.base(url.absoluteString)
        self.token = token
        self.client = client
    }

    /// A refused connection fails at once: the player is local, and a clip that cannot play
    /// should be reported while it still matters. Lives as long as the process.
    static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Plays `[start, end)` and returns where playback started, once it has.
    func play(
        _ source: MediaResolver.Source,
        start: Double,
        end: Double,
        clipID: Int64,
        overlay: (visitor: String?, line: String?)?
    )
        async throws(DeviceError) -> Double
    {
        var body: [String: JSONValue] = ["start": .number(start), "end": .number(end), "clip_id": .number(Double(clipID))]
        switch source {
        case .file(let path): body["video_path"] = .string(path)
        case .url(let url): body["url"] = .string(url)
        }
        if let overlay {
            body["overlay"] = .object([
                "visitor": overlay.visitor.map(JSONValue.string) ?? .null, "line": overlay.line.map(JSONValue.string) ?? .null,
            ])
        }
        // The player waits up to 10 s for an mpv being restarted, then up to 10 s for the start.
        let answer = try await post("/play", body: .object(body), timeout: .seconds(25))
        return answer["position"]?.doubleValue ?? start
    }

    /// Back to the idle screen.
    func stop() async throws(DeviceError) {
        _ = try await post("/stop", body: nil, timeout: .seconds(10))
    }

    private func post(_ path: String, body: JSONValue?, timeout: TimeAmount) async throws(DeviceError) -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        authorize(&request)
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: Self.encode(body)))
        }
        let status: UInt
        let answer: JSONValue
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = response.status.code
            let bytes = try await response.body.collect(upTo: 1 << 20)
            answer = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null
        } catch {
            throw .player("the player at \(base) did not answer POST \(path): \(error). Is `cinema player` running there?")
        }
        guard (200..<300).contains(status) else {
            let message = answer["error"]?.stringValue ?? "HTTP \(status)"
            throw .player("POST \(path) was refused (\(status) \(answer["code"]?.stringValue ?? "")): \(message)")
        }
        return answer
    }

    /// The player's events for as long as the stream is read, opened again whenever it breaks.
    func events(backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5))) -> AsyncStream<Event> {
        AsyncStream(bufferingPolicy: .bufferingNewest(256)) { continuation in
            let task = Task {
                var backoff = backoff
                while !Task.isCancelled {
                    let why: String
                    do {
                        why = try await follow { event in
                            if event == .connected { backoff.succeeded() }
                            continuation.yield(event)
                        }
                    } catch {
                        if Task.isCancelled { break }
                        why = "\(error)"
                    }
                    continuation.yield(.lost(why))
                    do {
                        try await Task.sleep(for: backoff.next())
                    } catch {
                        break
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads one `/events` stream until it ends; says why it ended.
    private func follow(_ yield: (Event) -> Void) async throws -> String {
        var request = HTTPClientRequest(url: base + "/events")
        authorize(&request)
        let response = try await client.execute(request, deadline: .distantFuture)
        guard response.status == .ok else { return "GET /events answered \(response.status.code)" }
        yield(.connected)
        var parser = ServerSentEventParser()
        for try await chunk in response.body {
            for event in parser.parse(chunk.readableBytesView) {
                if let known = Self.event(event) { yield(known) }
            }
        }
        return "the player closed its event stream"
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
    }

    static func event(_ event: ServerSentEvent) -> Event? {
        let data = event.json
        switch event.event {
        case "started": return .started(clipID: data["clip_id"]?.int64Value)
        case "ended": return .ended(clipID: data["clip_id"]?.int64Value, reason: data["reason"]?.stringValue ?? "eof")
        case "error": return .error(data["message"]?.stringValue ?? "the player reported an error without a message")
        case "mpv-restarted": return .mpvRestarted(count: data["restarts"]?.int64Value.map(Int.init) ?? 0)
        default: return nil
        }
    }

    private static func encode(_ value: JSONValue) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "{}"
    }
}
