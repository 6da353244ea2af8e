import CinemaCore
import CinemaDirector
import CinemaLibrary
import Foundation
import Logging

/// One live session. Everything that happens to it passes through here: the state machine says
/// what follows, each change becomes an event in its log (`SessionEventLog`, which also feeds
/// watchers), and the room (`RoomAudience`) is told. Turns are run in `LiveSession+Turns`.
actor LiveSession {
    nonisolated let id: String
    /// How this station's room listens (its voice detector's tuning, barge-in).
    nonisolated let speech: SpeechSettings
    var record: SessionRecord
    var machine: SessionStateMachine
    var conversation: Conversation
    private var utterances: Int
    var room = RoomAudience()
    var log: SessionEventLog
    var waiters: [UUID: OneShot<DecisionPayload>] = [:]
    private var audio = SessionEvent.AudioCounts()
    /// The last `play-clip` sent, until the device says it started: the player's part of the turn.
    var sent: (clipID: Int64, timings: TurnTimings, at: ContinuousClock.Instant)?
    /// Whether the room's audio is being ignored (a clip is playing, or the session is over):
    /// read by the socket for every frame, so it is a lock-free flag rather than actor state.
    nonisolated let microphone: MicrophoneGate
    let services: SessionServices
    let logger: Logger

    /// A new session, or (with its `history`) one restored from its log after a restart. Its
    /// own `idleTimeout`, if it was created with one, is read back from its `created` event.
    init(record: SessionRecord, services: SessionServices, history: [SessionEvent]? = nil, idleTimeout: Double? = nil, now: Date) {
        self.id = record.id
        self.record = record
        speech = services.speech.settings(for: record.station)
        microphone = MicrophoneGate(bargeIn: speech.bargeIn)
        self.services = services
        var logger = services.logger
        logger[metadataKey: "session.id"] = "\(record.id)"
        self.logger = logger
        log = SessionEventLog(session: record.id, lastSequence: record.lastSequence)
        let restored = SessionHistory(history ?? [])
        var timing = services.timing
        if let idle = idleTimeout ?? restored.idleTimeout { timing.idleTimeout = idle }
        machine = SessionStateMachine(
            timing: timing,
            createdAt: record.createdAt,
            status: record.status,
            turnsStarted: record.turns,
            now: history != nil ? now : nil
        )
        conversation = restored.conversation
        utterances = restored.lastUtterance
        // What the visitor said before the restart and never got an answer to waits for the
        // device to come back.
        var starts: [(PendingTurn, Int)] = []
        for (number, text) in restored.unanswered {
            for action in machine.submit(PendingTurn(.visitor(text), utterances: [number]), now: now) {
                if case .decide(let pending, let number) = action { starts.append((pending, number)) }
            }
        }
        for (pending, number) in starts { services.work.submit(.turn(self, pending, number: number)) }
    }

    var snapshot: SessionRecord { record }
    var isLive: Bool { machine.isLive }
    var deviceConnected: Bool { room.device != nil }

    // MARK: Room participants

    enum Admission: Sendable, Equatable {
        case admitted
        /// A device is already in the room.
        case occupied
        case ended(reason: String)
    }

    func admit(_ connection: RoomConnection, now: Date) async -> Admission {
        guard machine.isLive else { return .ended(reason: record.endReason ?? "ended") }
        guard room.admit(connection) else { return .occupied }
        if connection.role == .device { _ = machine.deviceJoined(now: now) }
        await commit([logged(.participantJoined(.init(role: connection.role, connection: connection.id.uuidString)), now)])
        return .admitted
    }

    /// The socket closed. A device that leaves without `disconnect-bot` has the grace period to
    /// come back.
    func leave(_ connection: RoomConnection, now: Date) async {
        guard room.remove(connection) else { return }
        if connection.role == .device { _ = machine.deviceLeft(now: now) }
        guard machine.isLive else { return }
        await commit([logged(.participantLeft(.init(role: connection.role, connection: connection.id.uuidString)), now)])
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
            await visitorTurn(text, source: .typed, waiter: nil, now: now)
            return
        case .clipStarted(let clipID, _):
            let actions = machine.clipStarted(clipID: clipID)
            if actions.isEmpty { return }
            var started = SessionEvent.ClipStarted(clipID: clipID, turn: machine.turnsStarted)
            if let sent, sent.clipID == clipID {
                var timings = sent.timings
                timings.playerMilliseconds = Self.milliseconds(.now - sent.at)
                self.sent = nil
                started.playerMilliseconds = timings.playerMilliseconds.map(TurnTimings.rounded)
                started.speechToScreenMilliseconds = timings.speechToScreenMilliseconds.map(TurnTimings.rounded)
                broadcast(.metrics(timings), to: .everyone)
                services.metrics.clipStarted(timings)
            }
            events.append(logged(.clipStarted(started), now))
            apply(actions, now: now, into: &events)
        case .clipEnded(let clipID, let reason):
            let turn = machine.turnsStarted
            let actions = machine.clipEnded(clipID: clipID, now: now)
            if actions.isEmpty { return }
            events.append(logged(.clipEnded(.init(clipID: clipID, turn: turn, reason: reason)), now))
            apply(actions, now: now, into: &events)
        case .playerError(let message):
            services.metrics.error("player")
            events.append(logged(.error(.init(source: .player, message: message)), now))
            broadcast(.error(.init(message: "The player reported: \(message)", code: "player-error", fatal: false)), to: .observers)
        case .disconnect:
            apply(machine.requestEnd(reason: "device-left", farewell: false, now: now), now: now, into: &events)
        }
        await commit(events)
    }

    func rejected(_ error: RoomMessageError, from connection: RoomConnection, now: Date) async {
        services.metrics.error("protocol")
        connection.send(.error(error.description, code: error.isMalformed ? "malformed-message" : "unsupported-message", fatal: false))
        guard error.isMalformed, machine.isLive else { return }
        await commit([logged(.error(.init(source: .room, message: error.description, role: connection.role)), now)])
    }

    /// Audio counted by a room's socket since it last reported.
    func addAudio(_ counts: SessionEvent.AudioCounts) {
        audio += counts
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
            await visitorTurn(text, source: .speech, waiter: nil, speech: timing, now: now)
        case .failed(let message):
            await commit([logged(.error(.init(source: .speech, message: message)), now)])
            broadcast(.error(.init(message: "Speech recognition failed: \(message)", code: "speech-failed", fatal: false)), to: .observers)
        }
    }

    private func bargeIn(now: Date) async {
        guard let (clipID, turn, actions) = machine.interrupted(now: now) else { return }
        broadcast(.stopClip, to: .everyone)
        var events = [logged(.clipEnded(.init(clipID: clipID, turn: turn, reason: "barge-in")), now)]
        apply(actions, now: now, into: &events)
        broadcast(.userStartedSpeaking, to: .everyone)
        await commit(events)
    }

    // MARK: Operator and HTTP

    /// A visitor turn from typed text; returns its decision once the clip is chosen.
    func say(_ text: String, source: SessionEvent.VisitorText.Source, now: Date) async throws -> DecisionPayload {
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
        broadcast(.error(.init(message: "Needs help: \(reason)", code: "needs-help", fatal: false)), to: .observers)
        await commit([logged(.needsHelp(.init(reason: reason)), now)])
    }

    func reportStatus(_ status: String, context: JSONValue?, now: Date) async {
        await commit([logged(.status(.init(status: status, context: context)), now)])
    }

    /// A live feed of the session's events from now on, and the last sequence before it, so
    /// that a caller can read history up to there without gaps or repeats. It opens with the
    /// room's live signals as they stand.
    func subscribe() -> (AsyncStream<SessionFeedItem>, last: Int64, key: UUID) {
        guard machine.isLive else {
            let (stream, continuation) = AsyncStream.makeStream(of: SessionFeedItem.self)
            continuation.finish()
            return (stream, record.lastSequence, UUID())
        }
        let (stream, key) = log.subscribe(opening: [.speaking(room.speaking), .microphone(muted: machine.muted)])
        return (stream, log.lastPublished, key)
    }

    func unsubscribe(_ key: UUID) {
        log.unsubscribe(key)
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
        let connections = room.connections
        var events: [SessionEvent] = []
        apply(machine.end(reason: "shutdown"), now: now, into: &events)
        await commit(events)
        return connections
    }

    // MARK: Carrying out the state machine's actions

    private func visitorTurn(
        _ text: String,
        source: SessionEvent.VisitorText.Source,
        waiter: UUID?,
        speech: UtteranceTiming? = nil,
        now: Date
    ) async {
        utterances += 1
        let number = utterances
        let said = SessionEvent.VisitorText(
            text: text,
            source: source,
            utterance: number,
            vadMilliseconds: speech.map { TurnTimings.rounded($0.vadMilliseconds) },
            sttMilliseconds: speech.map { TurnTimings.rounded($0.sttMilliseconds) }
        )
        var events = [logged(.visitorText(said), now)]
        broadcast(.userTranscription(.init(text: text, at: now)), to: .everyone)
        let request: PendingTurn.Request =
            VisitorIntent.isGoodbye(text) ? .farewell(endReason: "goodbye", visitor: text) : .visitor(text)
        let pending = PendingTurn(request, utterances: [number], waiters: waiter.map { [$0] } ?? [], speech: speech)
        apply(machine.submit(pending, now: now), now: now, into: &events)
        await commit(events)
    }

    func apply(_ actions: [SessionStateMachine.Action], now: Date, into events: inout [SessionEvent]) {
        for action in actions {
            switch action {
            case .decide(let pending, let number):
                services.work.submit(.turn(self, pending, number: number))
            case .statusChanged(let from, let to):
                record.status = to
                events.append(logged(.stateChanged(.init(from: from, to: to)), now))
            case .mute:
                microphone.set(open: false)
                broadcast(.userMuteStarted, to: .everyone)
            case .unmute:
                microphone.set(open: true)
                broadcast(.userMuteStopped, to: .everyone)
            case .clipTimedOut(let clipID, let turn):
                events.append(logged(.clipEnded(.init(clipID: clipID, turn: turn, reason: "timeout")), now))
            case .dropped(let turns, let reason):
                let numbers = turns.flatMap(\.utterances)
                if !numbers.isEmpty { events.append(logged(.turnDropped(.init(utterances: numbers, reason: reason)), now)) }
                resolve(turns.flatMap(\.waiters), with: .failure(SessionRequestError.ended(reason: reason)))
            case .end(let reason):
                microphone.end()
                record.endReason = reason
                record.endedAt = now
                events.append(logged(.ended(.init(reason: reason, audio: audio)), now))
                broadcast(.sessionEnded(reason: reason), to: .everyone)
                room.closeAll(reason: "session ended: \(reason)")
                resolve(Array(waiters.keys), with: .failure(SessionRequestError.ended(reason: reason)))
                services.metrics.sessionEnded(reason: reason)
                services.work.submit(.ended(id))
                logger.info("Session ended", metadata: ["session.end_reason": "\(reason)"])
            }
        }
    }

    func broadcast(_ message: ServerMessage, to audience: RoomAudience.Audience) {
        if let signal = room.send(message, to: audience) { log.publish(signal) }
    }

    func resolve(_ keys: [UUID], with result: Result<DecisionPayload, any Error>) {
        for key in keys { waiters.removeValue(forKey: key)?.fulfil(result) }
    }

    /// Logs what happened: the event is numbered next; `commit` makes it durable and then hands
    /// it to the live feeds.
    func logged(_ body: SessionEvent.Body, _ now: Date) -> SessionEvent {
        log.append(body, at: now, record: &record)
    }

    func commit(_ events: [SessionEvent]) async {
        await SessionEventLog.write(events, record: record, services: services, logger: logger)
        log.didWrite(events)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
