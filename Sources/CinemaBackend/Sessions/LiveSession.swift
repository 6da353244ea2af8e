import CinemaCore
import CinemaDirector
import CinemaLibrary
import Foundation
import Logging
import NIOCore

/// One live session: its state machine, its conversation, the sockets in its room and the
/// feeds watching it. Everything that happens to the session passes through here, becomes an
/// event in its log, and is carried out.
actor LiveSession {
    nonisolated let id: String
    /// How this station's room listens (its voice detector's tuning, barge-in).
    nonisolated let speech: SpeechSettings
    private var record: SessionRecord
    private var machine: SessionStateMachine
    private var conversation = Conversation()
    private var utterances = 0
    private var device: RoomConnection?
    private var observers: [UUID: RoomConnection] = [:]
    private var feeds: [UUID: AsyncStream<SessionFeedItem>.Continuation] = [:]
    /// The visitor is speaking now (as the speech stage last said).
    private var speaking = false
    private var waiters: [UUID: OneShot<DecisionPayload>] = [:]
    private var audio = AudioCounts()
    /// The last `play-clip` sent, until the device says it started: the player's part of the turn.
    private var sent: (clipID: Int64, timings: TurnTimings, at: ContinuousClock.Instant)?
    /// Whether the room's audio is being ignored (a clip is playing, or the session is over):
    /// read by the socket for every frame, so it is a lock-free flag rather than actor state.
    nonisolated let microphone: MicrophoneGate
    private let services: SessionServices
    private let logger: Logger

    struct AudioCounts: Sendable {
        var frames = 0
        var bytes = 0
        /// Frames that arrived while a clip played (the TV's own sound).
        var ignored = 0
        var oversized = 0

        var json: JSONValue {
            .object([
                "frames": .number(Double(frames)), "bytes": .number(Double(bytes)),
                "ignored_while_muted": .number(Double(ignored)), "oversized": .number(Double(oversized)),
            ])
        }
    }

    /// A new session, or (with its `history`) one restored from its log after a restart.
    init(record: SessionRecord, services: SessionServices, history: [SessionEvent]? = nil, now: Date) {
        self.id = record.id
        self.record = record
        speech = services.speech.settings(for: record.station)
        microphone = MicrophoneGate(bargeIn: speech.bargeIn)
        self.services = services
        var logger = services.logger
        logger[metadataKey: "session.id"] = "\(record.id)"
        self.logger = logger
        let restoring = history != nil
        machine = SessionStateMachine(
            timing: services.timing,
            createdAt: record.createdAt,
            status: record.status,
            turnsStarted: record.turns,
            now: restoring ? now : nil
        )
        guard let history else { return }
        var answered = Set<Int>()
        var heard: [(Int, String)] = []
        for event in history {
            switch event.kind {
            case .decision:
                guard let payload = try? event.data.decode(as: DecisionPayload.self) else { continue }
                let decision = Decision(
                    clip: payload.clip.clip,
                    kind: Decision.Kind(rawValue: payload.kind) ?? .reply,
                    director: payload.director,
                    reasoning: payload.reasoning
                )
                conversation.record(decision, visitor: payload.visitor)
                answered.formUnion(payload.utterances)
            case .visitorText:
                if let number = event.data["utterance"]?.int64Value, let text = event.data["text"]?.stringValue {
                    heard.append((Int(number), text))
                }
            case .turnDropped:
                if case .array(let numbers) = event.data["utterances"] { answered.formUnion(numbers.compactMap { $0.int64Value.map(Int.init) }) }
            default:
                break
            }
        }
        utterances = heard.map(\.0).max() ?? 0
        // What the visitor said before the restart and never got an answer to waits for the
        // device to come back.
        var starts: [(PendingTurn, Int)] = []
        for (number, text) in heard where !answered.contains(number) {
            for action in machine.submit(PendingTurn(.visitor(text), utterances: [number]), now: now) {
                if case .decide(let pending, let number) = action { starts.append((pending, number)) }
            }
        }
        for (pending, number) in starts { services.work.submit(.turn(self, pending, number: number)) }
    }

    var snapshot: SessionRecord { record }
    var isLive: Bool { machine.isLive }
    var deviceConnected: Bool { device != nil }

    // MARK: Room participants

    enum Admission: Sendable, Equatable {
        case admitted
        /// A device is already in the room.
        case occupied
        case ended(reason: String)
    }

    func admit(_ connection: RoomConnection, now: Date) async -> Admission {
        guard machine.isLive else { return .ended(reason: record.endReason ?? "ended") }
        switch connection.role {
        case .device:
            guard device == nil else { return .occupied }
            device = connection
            _ = machine.deviceJoined(now: now)
        case .observer:
            observers[connection.id] = connection
        }
        await commit([event(.participantJoined, ["role": .string(connection.role.rawValue), "connection": .string(connection.id.uuidString)], now)])
        return .admitted
    }

    /// The socket closed. A device that leaves without `disconnect-bot` has the grace period to
    /// come back.
    func leave(_ connection: RoomConnection, now: Date) async {
        switch connection.role {
        case .device:
            guard device?.id == connection.id else { return }
            device = nil
            _ = machine.deviceLeft(now: now)
        case .observer:
            guard observers.removeValue(forKey: connection.id) != nil else { return }
        }
        guard machine.isLive else { return }
        await commit([event(.participantLeft, ["role": .string(connection.role.rawValue), "connection": .string(connection.id.uuidString)], now)])
    }

    // MARK: Messages from the device

    func handle(_ message: ClientMessage, from connection: RoomConnection, now: Date) async {
        guard connection.role == .device else {
            connection.send(
                .error("Observers watch; they cannot act in the room. Use the operator API instead.", code: "observer-read-only", fatal: false)
            )
            return
        }
        guard machine.isLive else { return }
        var events: [SessionEvent] = []
        switch message {
        case .clientReady(let id, _, _):
            connection.send(.botReady(answering: id))
            apply(machine.clientReady(now: now), now: now, into: &events)
        case .sendText(let text):
            await visitorTurn(text, source: "typed", waiter: nil, now: now)
            return
        case .clipStarted(let clipID):
            let actions = machine.clipStarted(clipID: clipID)
            if actions.isEmpty { return }
            var data: [String: JSONValue] = ["clip_id": .number(Double(clipID)), "turn": .number(Double(machine.turnsStarted))]
            if let sent, sent.clipID == clipID {
                var timings = sent.timings
                timings.playerMilliseconds = Self.milliseconds(.now - sent.at)
                self.sent = nil
                data["player_ms"] = timings.json["player_ms"]
                data["speech_to_screen_ms"] = timings.json["speech_to_screen_ms"]
                broadcast(.metrics(timings), to: .everyone)
                services.metrics.clipStarted(timings)
            }
            events.append(event(.clipStarted, data, now))
            apply(actions, now: now, into: &events)
        case .clipEnded(let clipID, let reason):
            let turn = machine.turnsStarted
            let actions = machine.clipEnded(clipID: clipID, now: now)
            if actions.isEmpty { return }
            events.append(event(.clipEnded, ["clip_id": .number(Double(clipID)), "turn": .number(Double(turn)), "reason": .string(reason)], now))
            apply(actions, now: now, into: &events)
        case .playerError(let message):
            services.metrics.error("player")
            events.append(event(.error, ["source": .string("player"), "message": .string(message)], now))
            broadcast(.error("The player reported: \(message)", code: "player-error", fatal: false), to: .observers)
        case .disconnect:
            apply(machine.requestEnd(reason: "device-left", farewell: false, now: now), now: now, into: &events)
        }
        await commit(events)
    }

    func rejected(_ error: RoomMessageError, from connection: RoomConnection, now: Date) async {
        services.metrics.error("protocol")
        connection.send(.error(error.description, code: error.isMalformed ? "malformed-message" : "unsupported-message", fatal: false))
        guard error.isMalformed, machine.isLive else { return }
        await commit([
            event(.error, ["source": .string("room"), "message": .string(error.description), "role": .string(connection.role.rawValue)], now)
        ])
    }

    /// Audio counted by a room's socket since it last reported.
    func addAudio(_ counts: AudioCounts) {
        audio.frames += counts.frames
        audio.bytes += counts.bytes
        audio.ignored += counts.ignored
        audio.oversized += counts.oversized
    }

    /// What the speech stage made of the device's audio.
    func heard(_ signal: SpeechSignal, now: Date) async {
        guard machine.isLive else { return }
        if machine.muted, case .failed = signal {
            // Reported whenever it happens.
        } else if machine.muted {
            // A clip is playing. Only a station with barge-in listens now, and the visitor
            // starting to speak stops the clip; what they say becomes the next turn.
            guard microphone.bargeIn, signal == .startedSpeaking else { return }
            await bargeIn(now: now)
            return
        }
        switch signal {
        case .startedSpeaking: broadcast(.userStartedSpeaking, to: .everyone)
        case .stoppedSpeaking: broadcast(.userStoppedSpeaking, to: .everyone)
        case .utterance(let text, let timing):
            await visitorTurn(text, source: "speech", waiter: nil, speech: timing, now: now)
        case .failed(let message):
            await commit([event(.error, ["source": .string("speech"), "message": .string(message)], now)])
            broadcast(.error("Speech recognition failed: \(message)", code: "speech-failed", fatal: false), to: .observers)
        }
    }

    private func bargeIn(now: Date) async {
        guard let (clipID, turn, actions) = machine.interrupted(now: now) else { return }
        broadcast(.stopClip, to: .everyone)
        var events = [
            event(.clipEnded, ["clip_id": .number(Double(clipID)), "turn": .number(Double(turn)), "reason": .string("barge-in")], now)
        ]
        apply(actions, now: now, into: &events)
        broadcast(.userStartedSpeaking, to: .everyone)
        await commit(events)
    }

    // MARK: Operator and HTTP

    /// A visitor turn from typed text; returns its decision once the clip is chosen.
    func say(_ text: String, source: String, now: Date) async throws -> DecisionPayload {
        guard machine.isLive else { throw SessionRequestError.ended(reason: record.endReason ?? "ended") }
        let waiter = OneShot<DecisionPayload>()
        let key = UUID()
        waiters[key] = waiter
        await visitorTurn(text, source: source, waiter: key, now: now)
        return try await waiter.value()
    }

    /// The operator's pick, played as the next turn.
    func play(clipID: Int64, now: Date) async throws -> DecisionPayload {
        guard machine.isLive else { throw SessionRequestError.ended(reason: record.endReason ?? "ended") }
        let waiter = OneShot<DecisionPayload>()
        let key = UUID()
        waiters[key] = waiter
        var events: [SessionEvent] = []
        apply(machine.submit(PendingTurn(.curator(clipID: clipID), waiters: [key]), now: now), now: now, into: &events)
        await commit(events)
        return try await waiter.value()
    }

    func end(reason: String, farewell: Bool, now: Date) async {
        var events: [SessionEvent] = []
        apply(machine.requestEnd(reason: reason, farewell: farewell, now: now), now: now, into: &events)
        await commit(events)
    }

    func raiseNeedsHelp(reason: String, now: Date) async {
        record.needsHelp = true
        record.needsHelpReason = reason
        broadcast(.error("Needs help: \(reason)", code: "needs-help", fatal: false), to: .observers)
        await commit([event(.needsHelp, ["reason": .string(reason)], now)])
    }

    func reportStatus(_ status: String, context: JSONValue?, now: Date) async {
        await commit([event(.status, ["status": .string(status), "context": context ?? .null], now)])
    }

    /// A live feed of the session's events from now on, and the last sequence before it, so
    /// that a caller can read history up to there without gaps or repeats. It opens with the
    /// room's live signals as they stand.
    func subscribe() -> (AsyncStream<SessionFeedItem>, last: Int64, key: UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionFeedItem.self, bufferingPolicy: .bufferingOldest(1024))
        let key = UUID()
        if machine.isLive {
            continuation.yield(.signal(.speaking(speaking)))
            continuation.yield(.signal(.microphone(muted: machine.muted)))
            feeds[key] = continuation
        } else {
            continuation.finish()
        }
        return (stream, record.lastSequence, key)
    }

    func unsubscribe(_ key: UUID) {
        feeds.removeValue(forKey: key)?.finish()
    }

    // MARK: Engine

    func tick(now: Date) async {
        var events: [SessionEvent] = []
        apply(machine.tick(now: now), now: now, into: &events)
        if !events.isEmpty { await commit(events) }
    }

    /// Ends the session because the backend is stopping, and waits (briefly) for the sockets
    /// to receive `session-ended`.
    func shutDown(now: Date) async -> [RoomConnection] {
        let connections = [device].compactMap { $0 } + Array(observers.values)
        var events: [SessionEvent] = []
        apply(machine.end(reason: "shutdown"), now: now, into: &events)
        await commit(events)
        return connections
    }

    /// Chooses and sends the clip for one turn; run by the engine, one at a time per session.
    func runTurn(_ pending: PendingTurn, number: Int) async {
        let clock = ContinuousClock()
        let started = clock.now
        let decision: Decision
        do {
            decision = try await decide(pending)
        } catch {
            let now = Date()
            let message = (error as? DirectorError)?.description ?? "\(error)"
            logger.error("No clip for turn", metadata: ["turn": "\(number)", "error": "\(message)"])
            services.metrics.error("director")
            var events = [event(.error, ["source": .string("director"), "turn": .number(Double(number)), "message": .string(message)], now)]
            broadcast(.error("No clip for this turn: \(message)", code: "director-failed", fatal: false), to: .everyone)
            apply(machine.decisionFailed(now: now), now: now, into: &events)
            await commit(events)
            let failure: SessionRequestError = (error as? SessionRequestError) ?? .directorFailed(message)
            resolve(pending.waiters, with: .failure(failure))
            return
        }
        let decided = clock.now
        // The session may have ended while the director thought; its waiters know already.
        guard machine.isLive else { return }
        let now = Date()
        conversation.record(decision, visitor: pending.visitorText)
        let mediaURL = decision.clip.videoPath == nil ? nil : record.baseURL + "/media/\(decision.clip.filmID)"
        let payload = DecisionPayload(
            turn: number,
            decision: decision,
            visitor: pending.visitorText,
            utterances: pending.utterances,
            mediaURL: mediaURL,
            directorMilliseconds: Self.milliseconds(decided - started),
            totalMilliseconds: Self.milliseconds(decided - pending.arrived),
            speech: pending.speech
        )
        record.turns = number
        var endAfter: String?
        if case .farewell(let reason, _) = pending.request { endAfter = reason }
        let actions = machine.decided(clipID: decision.clip.id, duration: decision.clip.duration, endAfter: endAfter, now: now)
        let decisionEvent = event(.decision, (try? JSONValue(encoding: payload)) ?? .null, now)
        await commit([decisionEvent])
        // Sent only once the decision is in the log.
        broadcast(.playClip(turn: number, RoomMessage.ClipToPlay(clip: decision.clip, mediaURL: mediaURL)), to: .everyone)
        broadcast(.botLLMText(decision.reasoning), to: .observers)
        let sentAt = clock.now
        let timings = TurnTimings(
            turn: number,
            vadMilliseconds: pending.speech?.vadMilliseconds,
            sttMilliseconds: pending.speech?.sttMilliseconds,
            directorMilliseconds: payload.timings.directorMilliseconds,
            totalMilliseconds: Self.milliseconds(sentAt - pending.arrived)
        )
        sent = (decision.clip.id, timings, sentAt)
        broadcast(.metrics(timings), to: .everyone)
        services.metrics.turn(kind: decision.kind.rawValue, decision: decided - started, timings: timings)
        var events: [SessionEvent] = []
        apply(actions, now: now, into: &events)
        if !events.isEmpty { await commit(events) }
        resolve(pending.waiters, with: .success(payload))
    }

    private func decide(_ pending: PendingTurn) async throws -> Decision {
        let director = services.director
        switch pending.request {
        case .greeting:
            return try await director.greet(conversation)
        case .visitor(let text):
            return try await director.reply(to: text, in: conversation)
        case .farewell:
            return try await director.farewell(conversation)
        case .curator(let clipID):
            guard let clip = try await services.library.clip(id: clipID) else { throw SessionRequestError.unknownClip(clipID) }
            return Decision(clip: clip, kind: .curator, director: "curator", reasoning: "The operator chose this clip by hand.")
        }
    }

    // MARK: Carrying out the state machine's actions

    private func visitorTurn(_ text: String, source: String, waiter: UUID?, speech: UtteranceTiming? = nil, now: Date) async {
        utterances += 1
        let number = utterances
        var data: [String: JSONValue] = ["text": .string(text), "source": .string(source), "utterance": .number(Double(number))]
        if let speech {
            data["vad_ms"] = .number(TurnTimings.rounded(speech.vadMilliseconds))
            data["stt_ms"] = .number(TurnTimings.rounded(speech.sttMilliseconds))
        }
        var events = [event(.visitorText, data, now)]
        broadcast(.userTranscription(text, at: now), to: .everyone)
        let request: PendingTurn.Request =
            VisitorIntent.isGoodbye(text) ? .farewell(endReason: "goodbye", visitor: text) : .visitor(text)
        let pending = PendingTurn(request, utterances: [number], waiters: waiter.map { [$0] } ?? [], speech: speech)
        apply(machine.submit(pending, now: now), now: now, into: &events)
        await commit(events)
    }

    private func apply(_ actions: [SessionStateMachine.Action], now: Date, into events: inout [SessionEvent]) {
        for action in actions {
            switch action {
            case .decide(let pending, let number):
                services.work.submit(.turn(self, pending, number: number))
            case .statusChanged(let from, let to):
                record.status = to
                events.append(event(.stateChanged, ["from": .string(from.rawValue), "to": .string(to.rawValue)], now))
            case .mute:
                microphone.set(open: false)
                broadcast(.userMuteStarted, to: .everyone)
            case .unmute:
                microphone.set(open: true)
                broadcast(.userMuteStopped, to: .everyone)
            case .clipTimedOut(let clipID, let turn):
                events.append(
                    event(.clipEnded, ["clip_id": .number(Double(clipID)), "turn": .number(Double(turn)), "reason": .string("timeout")], now)
                )
            case .dropped(let turns, let reason):
                let numbers = turns.flatMap(\.utterances)
                if !numbers.isEmpty {
                    events.append(event(.turnDropped, ["utterances": .array(numbers.map { .number(Double($0)) }), "reason": .string(reason)], now))
                }
                resolve(turns.flatMap(\.waiters), with: .failure(SessionRequestError.ended(reason: reason)))
            case .end(let reason):
                microphone.end()
                record.endReason = reason
                record.endedAt = now
                events.append(event(.ended, ["reason": .string(reason), "audio": audio.json], now))
                broadcast(.sessionEnded(reason: reason), to: .everyone)
                device?.close(reason: "session ended: \(reason)", policy: false)
                for observer in observers.values { observer.close(reason: "session ended: \(reason)", policy: false) }
                resolve(Array(waiters.keys), with: .failure(SessionRequestError.ended(reason: reason)))
                services.metrics.sessionEnded(reason: reason)
                services.work.submit(.ended(id))
                logger.info("Session ended", metadata: ["session.end_reason": "\(reason)"])
            }
        }
    }

    private enum Audience {
        case everyone, observers
    }

    private func broadcast(_ message: RoomMessage, to audience: Audience) {
        let text = message.encoded()
        if audience == .everyone { device?.send(encoded: text) }
        for observer in observers.values { observer.send(encoded: text) }
        if message == .userStartedSpeaking || message == .userStoppedSpeaking { speaking = message == .userStartedSpeaking }
        if let signal = LiveSignal(message) {
            for feed in feeds.values { feed.yield(.signal(signal)) }
        }
    }

    private func resolve(_ keys: [UUID], with result: Result<DecisionPayload, any Error>) {
        for key in keys { waiters.removeValue(forKey: key)?.fulfil(result) }
    }

    /// A new event with the next sequence number, fed to live subscribers at once (in order);
    /// `commit` makes it durable.
    private func event(_ kind: SessionEvent.Kind, _ data: [String: JSONValue], _ now: Date) -> SessionEvent {
        event(kind, .object(data), now)
    }

    private func event(_ kind: SessionEvent.Kind, _ data: JSONValue, _ now: Date) -> SessionEvent {
        record.lastSequence += 1
        record.updatedAt = now
        let event = SessionEvent(session: id, sequence: record.lastSequence, at: now, kind: kind, data: data)
        for feed in feeds.values { feed.yield(.event(event)) }
        if kind == .ended {
            for feed in feeds.values { feed.finish() }
            feeds.removeAll()
        }
        return event
    }

    /// Writes events and the session row. A failed write is logged and counted: the session
    /// carries on in memory rather than stopping the room.
    private func commit(_ events: [SessionEvent]) async {
        guard !events.isEmpty else { return }
        do {
            try await services.store.append(events, session: record)
        } catch {
            services.metrics.error("store")
            logger.error("Could not save session events", metadata: ["error": "\(error)", "events": "\(events.count)"])
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
