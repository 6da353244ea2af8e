import CinemaCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
public import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// One session's device: joins the room, streams the microphone up, plays the clips it is sent
/// on the player, and tells the room when each starts and ends. Reconnects while the session
/// lives; returns when the backend says it has ended.
public actor DeviceClient {
    public let configuration: DeviceConfiguration
    private let logger: Logger
    private let player: PlayerBridge
    private let media: MediaResolver
    private let microphone: MicrophoneStream?

    /// The open room socket, once `client-ready` is sent on it.
    private var outbound: WebSocketOutboundWriter?
    /// How the last connection ended, as the messages on it said.
    private var verdict: Verdict?
    /// Clips the player started for this session, and ends reported before their start was.
    private var started = Set<Int64>()
    private var earlyEnds: [Int64: String] = [:]
    /// The clip on screen, as far as this client knows.
    private var current: Int64?
    /// What the visitor last said, for the overlay.
    private var heard: String?
    private var framesSent = 0
    private var playerLost = false
    /// Clip reports made while the room was away.
    private var unsent: [RoomMessage] = []

    private enum Verdict {
        case ended(reason: String)
        case refused(code: String, message: String)
    }

    public init(configuration: DeviceConfiguration, logger: Logger) throws(DeviceError) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "session"] = "\(configuration.sessionID)"
        self.logger = logger
        player = PlayerBridge(url: configuration.playerURL, token: configuration.playerToken)
        media = MediaResolver(roots: configuration.mediaRoots, backend: configuration.backendURL)
        switch configuration.microphone {
        case .none: microphone = nil
        case .file(let path): microphone = try MicrophoneStream.wav(path)
        case .alsa(let device): microphone = MicrophoneStream.alsa(device)
        }
    }

    /// Runs until the session ends (returns its reason), the backend refuses this device, or the
    /// room stays unreachable past the limit (throws).
    public func run() async throws(DeviceError) -> String {
        let mic = microphone.map { "\($0.format)" } ?? "none"
        logger.info(
            "Client starting: room \(configuration.roomURL.absoluteString), player \(configuration.playerURL.absoluteString), microphone \(configuration.microphone) (\(mic))"
        )
        let outcome: Result<String, DeviceError> = await withTaskGroup(of: Void.self) { group in
            // The player's events are followed before the room is joined, so that no clip's
            // end can pass unseen.
            let (opened, openedContinuation) = AsyncStream.makeStream(of: Void.self)
            group.addTask { await self.followPlayer(opened: openedContinuation) }
            group.addTask { await self.streamMicrophone() }
            await Self.first(of: opened, within: .seconds(3))
            let outcome: Result<String, DeviceError>
            do throws(DeviceError) {
                outcome = .success(try await stayInRoom())
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            return outcome
        }
        if microphone != nil { logger.info("Sent \(framesSent / 50) s of microphone audio (\(framesSent) frames)") }
        return try outcome.get()
    }

    // MARK: The room

    private func stayInRoom() async throws(DeviceError) -> String {
        var backoff = configuration.backoff
        let clock = ContinuousClock()
        var failingSince = clock.now
        while true {
            verdict = nil
            let why = await visitRoom()
            switch verdict {
            case .ended(let reason)?:
                await stopPlayer()
                return reason
            case .refused(let code, let message)? where code != "room-occupied" && code != "store-failed":
                throw .refused(code: code, message: message)
            default: break
            }
            if why.joined {
                // It was in the room: the trouble starts now.
                backoff.succeeded()
                failingSince = clock.now
            }
            outbound = nil
            let waited = clock.now - failingSince
            guard waited < configuration.giveUpAfter else {
                throw .gaveUp("the room at \(configuration.roomURL.absoluteString) has been unreachable for \(waited) (\(why.reason))")
            }
            let pause = backoff.next()
            let seconds = String(format: "%.1f", pause / .seconds(1))
            logger.warning("Room connection lost (\(why.reason)); reconnecting in \(seconds) s (attempt \(backoff.failures))")
            do {
                try await Task.sleep(for: pause)
            } catch {
                throw .gaveUp("the client was stopped while reconnecting")
            }
        }
    }

    /// One connection: join, read until the socket closes. Returns why it closed.
    private func visitRoom() async -> (reason: String, joined: Bool) {
        var headers = HTTPFields()
        if let token = configuration.token { headers[.authorization] = "Bearer \(token)" }
        let settings = WebSocketClientConfiguration(
            maxFrameSize: 1 << 20,
            additionalHeaders: headers,
            autoPing: .enabled(timePeriod: .seconds(15))
        )
        let ready = RoomMessage.clientReady(id: UUID().uuidString, audio: microphone.map(\.format))
        let joined = JoinFlag()
        do {
            let close = try await WebSocketClient.connect(url: configuration.roomURL.absoluteString, configuration: settings, logger: logger) {
                inbound,
                outbound,
                _ in
                try await outbound.write(.text(ready.encoded()))
                await self.joined(outbound)
                joined.set()
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if await self.handle(text) == .leave { break }
                }
                await self.left()
            }
            left()
            if let close { return ("closed by the backend (\(close.closeCode)\(close.reason.map { ": \($0)" } ?? ""))", joined.isSet) }
            return ("the socket closed", joined.isSet)
        } catch {
            left()
            return ("\(error)", joined.isSet)
        }
    }

    private func joined(_ writer: WebSocketOutboundWriter) async {
        outbound = writer
        let waiting = unsent
        unsent.removeAll()
        for message in waiting { await send(message) }
        if !waiting.isEmpty { logger.info("Sent the \(waiting.count) clip report(s) held while the room was away") }
    }

    private func left() {
        outbound = nil
    }

    private enum Next { case stay, leave }

    /// One message from the backend: acts on it and logs it, one line each.
    private func handle(_ text: String) async -> Next {
        let message: ServerMessage
        do {
            message = try ServerMessage(try RoomMessage.decode(text))
        } catch {
            logger.warning("Ignored a message the client cannot read (\(error)): \(text.prefix(200))")
            return .stay
        }
        switch message {
        case .botReady:
            logger.info("bot-ready: joined the room")
        case .userTranscription(let heard):
            if heard.final { self.heard = heard.text }
            logger.info("user-transcription: \"\(heard.text)\"")
        case .metrics(let timings):
            let fields: [(String, Double?)] = [
                ("turn", Double(timings.turn)), ("vad_ms", timings.vadMilliseconds ?? 0), ("stt_ms", timings.sttMilliseconds ?? 0),
                ("director_ms", timings.directorMilliseconds), ("total_ms", timings.totalMilliseconds), ("player_ms", timings.playerMilliseconds),
                ("speech_to_screen_ms", timings.speechToScreenMilliseconds),
            ]
            let shown = fields.compactMap { key, value in
                value.map { "\(key)=\($0 == $0.rounded() ? String(Int($0)) : String(format: "%.1f", TurnTimings.rounded($0)))" }
            }
            logger.info("metrics: \(shown.joined(separator: " "))")
        case .error(let error):
            if error.fatal {
                verdict = .refused(code: error.code, message: error.message)
                logger.error("error (\(error.code), fatal): \(error.message)")
                return .leave
            }
            logger.warning("error (\(error.code)): \(error.message)")
        case .playClip(let turn, let clip):
            let span = String(format: "%.2f–%.2f s", clip.start, clip.end)
            logger.info("play-clip: turn \(turn), clip \(clip.id) of \"\(clip.filmTitle)\" [\(span)]: \"\(clip.text)\"")
            let play = ClipRequest(
                id: clip.id,
                start: clip.start,
                end: clip.end,
                path: clip.path,
                mediaURL: clip.mediaURL,
                line: clip.text,
                visitor: heard
            )
            // Played aside, so that the room keeps being read (a stop may follow at once).
            Task { await self.play(play) }
        case .stopClip:
            logger.info("stop-clip")
            current = nil
            Task { await self.stopPlayer() }
        case .sessionEnded(let reason):
            logger.info("session-ended: \(reason)")
            verdict = .ended(reason: reason)
            return .leave
        case .userMuteStarted, .userMuteStopped, .userStartedSpeaking, .userStoppedSpeaking, .botLLMText:
            logger.info("\(message.envelope.type)")
        }
        return .stay
    }

    // MARK: The player

    private struct ClipRequest: Sendable {
        var id: Int64
        var start: Double
        var end: Double
        var path: String?
        var mediaURL: String?
        var line: String?
        var visitor: String?
    }

    private func play(_ clip: ClipRequest) async {
        current = clip.id
        let position: Double
        let source: MediaResolver.Source
        do {
            source = try media.source(path: clip.path, mediaURL: absolute(clip.mediaURL))
            let overlay = configuration.overlay ? (visitor: clip.visitor, line: clip.line) : nil
            position = try await player.play(source, start: clip.start, end: clip.end, clipID: clip.id, overlay: overlay)
        } catch {
            logger.error("player-error: clip \(clip.id): \(error)")
            if current == clip.id { current = nil }
            await send(.playerError("clip \(clip.id): \(error.description)"))
            // The turn is over for the room as well: it may go on to the next.
            await send(.clipEnded(clip.id, reason: "error"))
            return
        }
        started.insert(clip.id)
        let from: String
        switch source {
        case .file(let path): from = path
        case .url(let url): from = url
        }
        logger.info("clip-started: clip \(clip.id) at \(String(format: "%.2f", position)) s of \(from)")
        await send(.clipStarted(clip.id, at: Timestamp.string(Date())))
        if let reason = earlyEnds.removeValue(forKey: clip.id) { await ended(clip.id, reason: reason) }
    }

    private func stopPlayer() async {
        do {
            try await player.stop()
        } catch {
            logger.warning("Could not stop the player: \(error)")
        }
    }

    /// A relative `media_url` is on the backend.
    private func absolute(_ mediaURL: String?) -> String? {
        guard let mediaURL, mediaURL.hasPrefix("/") else { return mediaURL }
        return ServiceAddress.base(configuration.backendURL.absoluteString) + mediaURL
    }

    private func followPlayer(opened: AsyncStream<Void>.Continuation) async {
        for await event in player.events() {
            switch event {
            case .connected:
                logger.info("Following the player's events")
                playerLost = false
                opened.yield()
            case .ended(let clipID?, let reason):
                await ended(clipID, reason: reason)
            case .ended(nil, _), .started:
                break
            case .error(let message):
                logger.warning("player error: \(message)")
                await send(.playerError(message))
            case .mpvRestarted(let count):
                logger.warning("The player restarted mpv (\(count) so far)")
            case .lost(let why):
                // Said once per loss, not at every attempt while the player is down.
                if !playerLost { logger.warning("Lost the player's events (\(why)); trying again until it answers") }
                playerLost = true
                // A clip on a player that went away will not report its end.
                if let clip = current {
                    current = nil
                    await send(.playerError("lost the player while clip \(clip) played: \(why)"))
                    await send(.clipEnded(clip, reason: "error"))
                }
            }
        }
    }

    private func ended(_ clipID: Int64, reason: String) async {
        guard started.contains(clipID) else {
            // The end came before the play's answer did: reported right after its start.
            earlyEnds[clipID] = reason
            return
        }
        started.remove(clipID)
        if current == clipID { current = nil }
        logger.info("clip-ended: clip \(clipID) (\(reason))")
        await send(.clipEnded(clipID, reason: reason))
    }

    // MARK: The microphone

    private func streamMicrophone() async {
        guard let microphone else { return }
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(30))
        while !Task.isCancelled {
            do {
                for try await frame in microphone.frames() {
                    backoff.succeeded()
                    await sendAudio(frame)
                }
                return
            } catch {
                let pause = backoff.next()
                logger.error("\(error) Trying again in \(pause).")
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    return
                }
            }
        }
    }

    private func sendAudio(_ frame: [UInt8]) async {
        guard let outbound else { return }
        do {
            try await outbound.write(.binary(ByteBuffer(bytes: frame)))
            framesSent += 1
        } catch {
            // The socket is closing; the room loop reconnects.
        }
    }

    /// Sends a report on the clip to the room; while the room is away it waits, and goes as
    /// soon as the client is back (a clip that ended meanwhile must still end its turn).
    private func send(_ message: RoomMessage) async {
        guard let outbound else {
            logger.info("Not in the room; \(message.data?["t"]?.stringValue ?? message.type) goes when the client is back")
            unsent.append(message)
            return
        }
        do {
            try await outbound.write(.text(message.encoded()))
        } catch {
            logger.warning("Could not send \(message.data?["t"]?.stringValue ?? message.type) (\(error)); it goes when the client is back")
            unsent.append(message)
        }
    }

    /// Waits for the first element, or gives up after `limit` (the player may be down: the room
    /// is joined anyway, and plays fail with a clear error).
    private static func first(of stream: AsyncStream<Void>, within limit: Duration) async {
        _ = try? await Deadline.within(limit) {
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()
        }
    }
}

/// Set once the socket is joined, read after it closed.
private final class JoinFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var isSet: Bool { flag.withLock { $0 } }
}
