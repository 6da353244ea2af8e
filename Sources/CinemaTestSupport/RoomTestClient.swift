import CinemaCore
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// A real WebSocket client in a room, driven by a test: it sends what the test says and keeps
/// what the backend sends, in order, for the test to read.
public final class RoomTestClient: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case timedOut(waitingFor: String, seen: [String])
        case closed(waitingFor: String, seen: [String])
        case noClipID(RoomMessage)

        public var description: String {
            switch self {
            case .timedOut(let what, let seen): "Timed out waiting for \(what); last received: \(seen.suffix(6))"
            case .closed(let what, let seen): "The socket closed while waiting for \(what); last received: \(seen.suffix(6))"
            case .noClipID(let message): "A play-clip came without a clip id: \(message)"
            }
        }
    }

    private let outbound: WebSocketOutboundWriter
    private let inbox = Inbox()
    /// Every message received so far, for failure messages.
    private let seen = Mutex<[String]>([])

    private init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
    }

    /// How the server closed the socket.
    public struct Closed: Sendable {
        public var closeCode: WebSocketErrorCode
        public var reason: String?
    }

    /// Connects to `url`, runs `body`, closes. Returns what `body` returned and how the server
    /// closed the socket (nil if it did not say).
    @discardableResult
    public static func connect<T: Sendable>(
        to url: String,
        _ body: @escaping @Sendable (RoomTestClient) async throws -> T
    ) async throws -> (T, Closed?) {
        let result = Mutex<Result<T, any Error>?>(nil)
        let close: WebSocketCloseFrame?
        do {
            close = try await WebSocketClient.connect(
                url: url,
                configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 21, autoPing: .disabled),
                logger: Logger(label: "room-test-client")
            ) { inbound, outbound, _ in
                let client = RoomTestClient(outbound: outbound)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { client.inbox.finish() }
                        do {
                            for try await message in inbound.messages(maxSize: 1 << 21) {
                                if case .text(let text) = message { client.inbox.push(text) }
                            }
                        } catch {
                            // The socket failed; the test sees it as closed.
                        }
                    }
                    do {
                        let value = try await body(client)
                        result.withLock { $0 = .success(value) }
                    } catch {
                        result.withLock { $0 = .failure(error) }
                    }
                    try? await outbound.close(.normalClosure, reason: nil)
                    await group.waitForAll()
                }
            }
        } catch {
            // A server killed under the test resets the socket; what the test saw still counts.
            guard result.withLock({ $0 }) != nil else { throw error }
            close = nil
        }
        guard let outcome = result.withLock({ $0 }) else {
            throw Failure.closed(waitingFor: "the connection", seen: [])
        }
        return (try outcome.get(), close.map { Closed(closeCode: $0.closeCode, reason: $0.reason) })
    }

    public func send(_ message: RoomMessage) async throws {
        try await outbound.write(.text(message.encoded()))
    }

    public func send(text: String) async throws {
        try await outbound.write(.text(text))
    }

    /// Every message read so far, as sent.
    public var seenMessages: [String] { seen.withLock { $0 } }

    public func send(binary bytes: [UInt8]) async throws {
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The next message, whatever it is.
    public func next(within limit: Duration = .seconds(15)) async throws -> RoomMessage {
        try await next(within: limit, description: "any message") { _ in true }
    }

    /// The next message of `type` (and, for `server-message`, of `serverType`), skipping others.
    public func next(_ type: String, serverType: String? = nil, within limit: Duration = .seconds(15)) async throws -> RoomMessage {
        try await next(within: limit, description: serverType.map { "\(type)/\($0)" } ?? type) { message in
            message.type == type && (serverType == nil || message.serverMessageType == serverType)
        }
    }

    /// Opens like every device does (`client-ready`), plays the greeting through (started,
    /// ended) and waits until the microphone is open again: where a turn can begin. Returns
    /// the greeting.
    @discardableResult
    public func readyPastGreeting() async throws -> RoomMessage {
        try await send(.clientReady())
        let greeting = try await next("server-message", serverType: "play-clip")
        guard let clip = greeting.clipID else { throw Failure.noClipID(greeting) }
        try await send(.clipStarted(clip))
        try await send(.clipEnded(clip))
        _ = try await next("user-mute-stopped")
        return greeting
    }

    /// Opens like every device does (`client-ready`), then waits for the server to close the
    /// socket: how a test meets a refusal or an ended session.
    public func readyThenWaitForClose(within limit: Duration = .seconds(15)) async throws -> [RoomMessage] {
        try await send(.clientReady())
        return try await waitForClose(within: limit)
    }

    /// Waits for the server to close the socket; returns the messages that came before.
    public func waitForClose(within limit: Duration = .seconds(15)) async throws -> [RoomMessage] {
        var messages: [RoomMessage] = []
        while true {
            switch await inbox.next(within: limit) {
            case .message(let text):
                seen.withLock { $0.append(text) }
                messages.append(try RoomMessage.decode(text))
            case .finished: return messages
            case .timedOut: throw Failure.timedOut(waitingFor: "the server to close", seen: seen.withLock { $0 })
            }
        }
    }

    private func next(within limit: Duration, description: String, where matches: (RoomMessage) -> Bool) async throws -> RoomMessage {
        let deadline = ContinuousClock.now + limit
        while true {
            switch await inbox.next(within: deadline - ContinuousClock.now) {
            case .message(let text):
                seen.withLock { $0.append(text) }
                let message = try RoomMessage.decode(text)
                if matches(message) { return message }
            case .finished:
                throw Failure.closed(waitingFor: description, seen: seen.withLock { $0 })
            case .timedOut:
                throw Failure.timedOut(waitingFor: description, seen: seen.withLock { $0 })
            }
        }
    }
}

/// Received text frames, waited for with a time limit.
private final class Inbox: Sendable {
    enum Outcome: Sendable {
        case message(String)
        case finished
        case timedOut
    }

    private struct State {
        var buffer: [String] = []
        var finished = false
        var waiter: (id: UUID, continuation: CheckedContinuation<Outcome, Never>)?
    }

    private let state = Mutex(State())

    func push(_ text: String) {
        let waiter: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.buffer.append(text)
            return nil
        }
        waiter?.resume(returning: .message(text))
    }

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume(returning: .finished)
    }

    func next(within limit: Duration) async -> Outcome {
        await withTaskGroup(of: Outcome.self) { group in
            group.addTask { await self.next() }
            group.addTask {
                do {
                    try await Task.sleep(for: max(limit, .zero))
                } catch {
                    return .timedOut
                }
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            // A message that raced the timer is still a message: never drop it.
            var outcome = first
            while let other = await group.next() {
                if case .message = other { outcome = other }
            }
            return outcome
        }
    }

    private func next() async -> Outcome {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let immediate: Outcome? = state.withLock { state in
                    if !state.buffer.isEmpty { return .message(state.buffer.removeFirst()) }
                    if state.finished { return .finished }
                    if Task.isCancelled { return .timedOut }
                    state.waiter = (id, continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                guard state.waiter?.id == id else { return nil }
                defer { state.waiter = nil }
                return state.waiter?.continuation
            }
            waiter?.resume(returning: .timedOut)
        }
    }
}

extension RoomMessage {
    /// A `play-clip`'s clip id and turn number.
    public var clipID: Int64? { data?["clip"]?["id"]?.int64Value }
    public var turn: Int? { data?["turn"]?.int64Value.map(Int.init) }
}
