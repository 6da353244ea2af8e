import CinemaCore
import CinemaHTTP
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// The room: `/rooms/{id}` over WebSocket. One device per room, any number of observers (with
/// the operator token); RTVI envelopes in text frames, microphone PCM in binary frames.
///
/// Refusals (bad token, unknown room, a second device) happen after the upgrade, as an RTVI
/// `error` with `fatal: true` followed by close code 1008: a WebSocket client sees neither the
/// status nor the body of a refused upgrade, but it does see these.
struct RoomController: Sendable {
    let engine: SessionEngine
    let gate: OperatorGate
    let speech: any SpeechStage
    let configuration: BackendConfiguration

    func addRoutes(to router: Router<BackendRequestContext>) {
        router.ws("rooms/:id") { inbound, outbound, context in
            try await self.serve(inbound: inbound, outbound: outbound, context: context)
        }
    }

    /// A plain GET on a room (no upgrade) says what a WebSocket client would be told, so that
    /// curl can diagnose a token.
    func addDiagnostics<Context: RequestContext>(to routes: RouteCollection<Context>) {
        routes.get("rooms/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            switch await self.admission(room: id, request: request) {
            case .refused(let error): throw error.apiError
            case .ended(let reason):
                throw APIError(.gone, code: "session-ended", "The session has ended (\(reason)). Start a new one with POST /api/connect.")
            case .live:
                throw APIError(.upgradeRequired, code: "websocket-required", "This is a room: connect to it with a WebSocket client.")
            }
        }
    }

    // MARK: Admission

    enum Refusal: Error {
        case token(RoomTokenError)
        case operatorToken(APIError)
        case unknownRoom(String)
        case occupied
        case store(APIError)

        var code: String {
            switch self {
            case .token(let error): error.code
            case .operatorToken(let error): error.code
            case .unknownRoom: "unknown-session"
            case .occupied: "room-occupied"
            case .store(let error): error.code
            }
        }

        var message: String {
            switch self {
            case .token(let error): error.description
            case .operatorToken(let error): error.message
            case .unknownRoom(let id): "There is no session '\(id)'. Start one with POST /api/connect."
            case .occupied:
                "A device is already in this room. Stop the other client first; a device that lost its connection is let back in once the old socket is found dead (within 30 s)."
            case .store(let error): error.message
            }
        }

        var apiError: APIError {
            switch self {
            case .token(let error): APIError(error == .missing ? .unauthorized : .forbidden, code: error.code, error.description)
            case .operatorToken(let error): error
            case .unknownRoom(let id): .unknownSession(id)
            case .occupied: APIError(.conflict, code: code, message)
            case .store(let error): error
            }
        }
    }

    enum Admission {
        case live(LiveSession, RoomConnection.Role)
        case ended(reason: String)
        case refused(Refusal)
    }

    func admission(room: String, request: Request) async -> Admission {
        let role: RoomConnection.Role = request.uri.queryParameters.get("role") == "observer" ? .observer : .device
        let token = request.uri.queryParameters.get("token") ?? request.bearerToken
        do {
            switch role {
            case .device: try await engine.verify(token: token, room: room, now: Date())
            case .observer: try gate.check(presented: token)
            }
        } catch let error as RoomTokenError {
            engine.metrics.error("token")
            return .refused(.token(error))
        } catch let error as APIError {
            engine.metrics.error("token")
            return .refused(.operatorToken(error))
        } catch {
            return .refused(.unknownRoom(room))
        }
        do {
            switch try await engine.lookup(room) {
            case .live(let session): return .live(session, role)
            case .ended(let record): return .ended(reason: record.endReason ?? "ended")
            case .unknown: return .refused(.unknownRoom(room))
            }
        } catch {
            return .refused(.store(APIError(.serviceUnavailable, code: "store-failed", error.description)))
        }
    }

    // MARK: The socket

    private func serve(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        context: WebSocketRouterContext<BackendRequestContext>
    ) async throws {
        let room = context.requestContext.parameters.get("id") ?? ""
        let session: LiveSession
        let role: RoomConnection.Role
        switch await admission(room: room, request: context.request) {
        case .refused(let refusal):
            try await refuse(refusal, inbound: inbound, outbound: outbound)
            return
        case .ended(let reason):
            try await sayEnded(reason, inbound: inbound, outbound: outbound)
            return
        case .live(let live, let admittedRole):
            session = live
            role = admittedRole
        }
        let connection = RoomConnection(role: role, capacity: configuration.outboxCapacity)
        switch await session.admit(connection, now: Date()) {
        case .admitted: break
        case .occupied:
            try await refuse(.occupied, inbound: inbound, outbound: outbound)
            return
        case .ended(let reason):
            try await sayEnded(reason, inbound: inbound, outbound: outbound)
            return
        }
        var logger = context.logger
        logger[metadataKey: "session.id"] = "\(room)"
        logger[metadataKey: "room.role"] = "\(role.rawValue)"
        logger.debug("Joined the room")

        let listener = speech.listener(settings: session.speech)
        let socket = ClientConnection.current
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.drain(connection, into: outbound, socket: socket) }
            if let recognition = listener.recognition {
                group.addTask { await recognition.run { signal in await session.heard(signal, now: Date()) } }
            }
            await read(inbound, connection: connection, session: session, listener: listener, logger: logger)
            await session.leave(connection, now: Date())
            connection.close(reason: "", policy: false)
            await group.waitForAll()
        }
        logger.debug("Left the room")
    }

    /// Reads until the socket closes, or until the peer has broken the rules too often.
    ///
    /// Audio never waits on the session: each frame is checked, counted and handed to the speech
    /// stage right here, in the socket's own task; only what the speech stage hears goes to the
    /// session. Counts reach the session every few seconds and when the socket closes. What to
    /// do with each input is `RoomReader`'s decision; this carries it out.
    private func read(
        _ inbound: WebSocketInboundStream,
        connection: RoomConnection,
        session: LiveSession,
        listener: any SpeechListener,
        logger: Logger
    ) async {
        var reader = RoomReader(role: connection.role, limits: readerLimits)
        do {
            for try await message in inbound.messages(maxSize: configuration.maxBodyBytes) {
                switch message {
                case .text(let text):
                    do {
                        let message = try ClientMessage(RoomMessage.decode(text))
                        switch reader.received(message) {
                        case .none: break
                        case .use(let format): listener.use(format)
                        case .unheard(let format):
                            connection.send(.error(Self.unheard(format), code: "audio-format-unsupported", fatal: false))
                        }
                        await session.handle(message, from: connection, now: Date())
                    } catch {
                        reader.rejected(malformed: error.isMalformed)
                        await session.rejected(error, from: connection, now: Date())
                    }
                case .binary(let frame):
                    let outcome = reader.frame(bytes: frame.readableBytes, microphoneOpen: session.microphone.listening)
                    switch outcome.action {
                    case .hear:
                        for signal in listener.hear(frame) { await session.heard(signal, now: Date()) }
                    case .ignore:
                        break
                    case .interrupt:
                        for signal in listener.interrupt() { await session.heard(signal, now: Date()) }
                    case .refuseObserver:
                        connection.send(.error("Observers send no audio.", code: "observer-read-only", fatal: false))
                    case .refuseOversized(let bytes):
                        engine.metrics.error("protocol")
                        connection.send(
                            .error(
                                "An audio frame of \(bytes) bytes is over the \(configuration.maxAudioFrameBytes)-byte limit; it was dropped. Send 16 kHz mono PCM in 20 ms frames (640 bytes).",
                                code: "frame-too-large",
                                fatal: false
                            )
                        )
                    }
                    if let counts = outcome.report { await report(counts, to: session) }
                }
                if reader.mustClose || connection.isClosing { break }
            }
        } catch {
            logger.debug("Room socket failed", metadata: ["error": "\(error)"])
        }
        let closing = reader.closed()
        await report(closing.report, to: session)
        let last = listener.finish()
        if closing.finishListening {
            for signal in last { await session.heard(signal, now: Date()) }
        }
        if closing.violated {
            logger.notice("Closing a socket that kept breaking the protocol", metadata: ["strikes": "\(reader.strikes)"])
            connection.send(.error("Too many invalid messages; closing the connection.", code: "policy-violation", fatal: true))
            connection.close(reason: "too many invalid messages", policy: true)
        }
    }

    private var readerLimits: RoomReader.Limits {
        RoomReader.Limits(
            maxAudioFrameBytes: configuration.maxAudioFrameBytes,
            strikesBeforeClose: configuration.strikesBeforeClose,
            audioReportInterval: Self.audioReportInterval
        )
    }

    private func report(_ counts: SessionEvent.AudioCounts, to session: LiveSession) async {
        engine.metrics.audio(frames: counts.frames, ignored: counts.ignored)
        await session.addAudio(counts)
    }

    /// Frames between reports of the audio counts to the session (250 × 20 ms = 5 s).
    static let audioReportInterval = 250

    static func unheard(_ format: AudioFormat) -> String {
        let declared = format.sampleRate > 0 ? "\(format)" : "an audio format without a readable sample_rate"
        return
            "The microphone was declared as \(declared); the room hears 16-bit PCM at 8000 to 48000 Hz, mono or stereo (16000 Hz mono is best). Its audio will be ignored; typed turns still work. Capture at 16 kHz mono, or declare the format you send in client-ready's data.audio {sample_rate, channels}."
    }

    /// How long a peer has to answer the room's close before its connection is dropped: a
    /// device that froze (or vanished without a word) never answers, and its reader would
    /// otherwise wait for ever, and with it a graceful stop.
    static let closeHandshake: Duration = .seconds(2)

    /// Sends what the session queues for this socket, then closes it.
    private static func drain(_ connection: RoomConnection, into outbound: WebSocketOutboundWriter, socket: ClientConnection?) async {
        defer { connection.drained.fulfil(.success(())) }
        do {
            for await item in connection.outbox {
                switch item {
                case .text(let text):
                    try await outbound.write(.text(text))
                case .close(let reason, let policy):
                    try await outbound.close(policy ? .policyViolation : .normalClosure, reason: String(reason.utf8.prefix(120)) ?? "")
                    socket?.close(after: closeHandshake)
                    return
                }
            }
            // Finished without a close (too slow to keep up): close as a policy violation.
            try await outbound.close(.policyViolation, reason: "too slow")
            socket?.close(after: closeHandshake)
        } catch {
            // The socket is already gone; nothing left to send to.
        }
    }

    /// Before the server speaks first, it lets the client speak (every RTVI client opens with
    /// `client-ready`) or waits a moment. Frames that reach a client while its own side of the
    /// upgrade is still settling can be lost: swift-websocket's client, under load, dropped the
    /// refusal and then hung (reproduced: 3 of ~20 refused connects with the CPU busy). Once the
    /// client has sent a frame its upgrade is complete, and anything sent after arrives.
    private static func awaitClientFirst(_ inbound: WebSocketInboundStream, within limit: Duration = .seconds(2)) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var frames = inbound.makeAsyncIterator()
                _ = try? await frames.next()
            }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    private func refuse(_ refusal: Refusal, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        await Self.awaitClientFirst(inbound)
        try await outbound.write(.text(RoomMessage.error(refusal.message, code: refusal.code, fatal: true).encoded()))
        try await outbound.close(.policyViolation, reason: refusal.code)
    }

    private func sayEnded(_ reason: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        await Self.awaitClientFirst(inbound)
        try await outbound.write(.text(RoomMessage.sessionEnded(reason: reason).encoded()))
        try await outbound.close(.normalClosure, reason: "session ended")
    }
}
