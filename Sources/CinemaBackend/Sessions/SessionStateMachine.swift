import CinemaCore
import Foundation

/// A session's flow as a value: events in, actions out. It owns no sockets, tasks or clocks;
/// `LiveSession` feeds it what happened (with the time) and carries out what it returns, so the
/// rules here are tested without a server.
///
/// Turn rule: exactly one turn is in flight, from the moment its clip is being chosen until the
/// device reports the clip ended (or, with no device in the room, until it is chosen; or when
/// the clip overran its length by `clipSlack`). Turns arriving meanwhile wait in order, and so do
/// turns arriving while a device that had joined is away. A visitor
/// turn that finds another visitor turn waiting is merged into it (one answer to both); the
/// greeting, the farewell and the operator's picks are never merged. Nothing is dropped silently:
/// when the session ends, waiting turns are reported back as unanswered.
struct SessionStateMachine: Sendable {
    struct Timing: Sendable {
        var idleTimeout: Double
        var joinTimeout: Double
        var gracePeriod: Double
        var clipSlack: Double
    }

    struct Playing: Sendable, Equatable {
        var clipID: Int64
        var turn: Int
        var deadline: Date
        var started: Bool
        /// End the session for this reason once the clip is over (a farewell).
        var endAfter: String?
    }

    enum TurnState: Sendable, Equatable {
        case idle
        case deciding(PendingTurn, number: Int)
        case playing(Playing)
    }

    enum Action: Sendable, Equatable {
        /// Choose the clip for this turn.
        case decide(PendingTurn, number: Int)
        case statusChanged(from: SessionStatus, to: SessionStatus)
        case mute
        case unmute
        /// The device never reported the clip's end; it is taken as over.
        case clipTimedOut(clipID: Int64, turn: Int)
        /// These turns will get no clip: the session is ending for `reason`.
        case dropped([PendingTurn], reason: String)
        /// The session is over.
        case end(reason: String)
    }

    let timing: Timing
    let createdAt: Date
    private(set) var status: SessionStatus
    private(set) var endReason: String?
    private(set) var deviceConnected = false
    /// When the device left, while it is gone.
    private(set) var deviceGoneSince: Date?
    /// The last visitor turn or clip end: idle time counts from here.
    private(set) var lastActivity: Date
    private(set) var turn: TurnState = .idle
    private(set) var queue: [PendingTurn] = []
    private(set) var muted = false
    private(set) var turnsStarted: Int

    init(timing: Timing, createdAt: Date, status: SessionStatus = .waiting, turnsStarted: Int = 0, now: Date? = nil) {
        self.timing = timing
        self.createdAt = createdAt
        self.status = status
        self.turnsStarted = turnsStarted
        self.lastActivity = now ?? createdAt
        // A restored session's device is gone until it reconnects; its grace starts now.
        if status != .waiting, let now { deviceGoneSince = now }
    }

    var isLive: Bool { status.isLive }

    var isPlaying: Bool {
        if case .playing = turn { return true }
        return false
    }

    // MARK: Device

    mutating func deviceJoined(now: Date) -> [Action] {
        guard isLive else { return [] }
        deviceConnected = true
        deviceGoneSince = nil
        return []
    }

    mutating func deviceLeft(now: Date) -> [Action] {
        guard isLive, deviceConnected else { return [] }
        deviceConnected = false
        deviceGoneSince = now
        return []
    }

    /// The device said `client-ready`: the first time, the greeting; after a reconnect, a clip
    /// that was playing is taken as cut off.
    mutating func clientReady(now: Date) -> [Action] {
        guard isLive else { return [] }
        var actions: [Action] = []
        if status == .waiting {
            actions.append(setStatus(.greeting))
            queue.insert(PendingTurn(.greeting), at: 0)
        } else if case .playing(let playing) = turn {
            actions += finishClip(playing, now: now)
            return actions
        }
        return actions + startNextIfIdle()
    }

    // MARK: Turns

    mutating func submit(_ pending: PendingTurn, now: Date) -> [Action] {
        guard isLive else { return [.dropped([pending], reason: endReason ?? "ended")] }
        if pending.visitorText != nil { lastActivity = now }
        if var last = queue.last, last.merge(pending) {
            queue[queue.count - 1] = last
        } else {
            queue.append(pending)
        }
        return startNextIfIdle()
    }

    /// The clip for the turn in flight was chosen. `duration` is the clip's length.
    mutating func decided(clipID: Int64, duration: Double, endAfter: String?, now: Date) -> [Action] {
        guard isLive, case .deciding(_, let number) = turn else { return [] }
        let playing = Playing(
            clipID: clipID,
            turn: number,
            deadline: now.addingTimeInterval(duration + timing.clipSlack),
            started: false,
            endAfter: endAfter
        )
        if deviceConnected {
            turn = .playing(playing)
            return []
        }
        // Nobody is in the room to play it: the turn is over as soon as it is chosen.
        return finishClip(playing, now: now)
    }

    /// The turn in flight got no clip (the director failed); the next one may go.
    mutating func decisionFailed(now: Date) -> [Action] {
        guard isLive, case .deciding = turn else { return [] }
        turn = .idle
        var actions: [Action] = []
        if status == .greeting { actions.append(setStatus(.conversing)) }
        return actions + startNextIfIdle()
    }

    mutating func clipStarted(clipID: Int64) -> [Action] {
        guard isLive, case .playing(var playing) = turn, playing.clipID == clipID, !playing.started else { return [] }
        playing.started = true
        turn = .playing(playing)
        muted = true
        return [.mute]
    }

    /// The visitor spoke over the clip (barge-in): it is over now, as if it had ended, unless it
    /// is the farewell. Returns the clip and its turn, for the log.
    mutating func interrupted(now: Date) -> (clipID: Int64, turn: Int, actions: [Action])? {
        guard isLive, case .playing(let playing) = turn, playing.started, playing.endAfter == nil else { return nil }
        return (playing.clipID, playing.turn, finishClip(playing, now: now))
    }

    /// Returns nothing for a clip that is not the one in flight (late or repeated reports).
    mutating func clipEnded(clipID: Int64, now: Date) -> [Action] {
        guard isLive, case .playing(let playing) = turn, playing.clipID == clipID else { return [] }
        return finishClip(playing, now: now)
    }

    // MARK: Ending

    /// Ends now, or (with `farewell` and a device to show it) after a farewell clip; turns
    /// still waiting are dropped in favour of the goodbye.
    mutating func requestEnd(reason: String, farewell: Bool, now: Date) -> [Action] {
        guard isLive else { return [] }
        if case .deciding(let pending, _) = turn, case .farewell = pending.request { return [] }
        if case .playing(let playing) = turn, playing.endAfter != nil { return [] }
        if queue.contains(where: { if case .farewell = $0.request { true } else { false } }) { return [] }
        guard farewell, deviceConnected else { return end(reason: reason) }
        let dropped = queue
        queue = [PendingTurn(.farewell(endReason: reason, visitor: nil))]
        return (dropped.isEmpty ? [] : [.dropped(dropped, reason: reason)]) + startNextIfIdle()
    }

    /// Deadlines: the clip watchdog, the device's grace period, the join and idle timeouts.
    mutating func tick(now: Date) -> [Action] {
        guard isLive else { return [] }
        if case .playing(let playing) = turn, now >= playing.deadline {
            return [.clipTimedOut(clipID: playing.clipID, turn: playing.turn)] + finishClip(playing, now: now)
        }
        if status == .waiting, now.timeIntervalSince(createdAt) >= timing.joinTimeout, turn == .idle {
            return end(reason: "never-joined")
        }
        if let gone = deviceGoneSince, status != .waiting, now.timeIntervalSince(gone) >= timing.gracePeriod {
            return end(reason: "device-gone")
        }
        if status == .conversing, turn == .idle, queue.isEmpty, now.timeIntervalSince(lastActivity) >= timing.idleTimeout {
            return requestEnd(reason: "idle", farewell: true, now: now)
        }
        return []
    }

    mutating func end(reason: String) -> [Action] {
        guard isLive else { return [] }
        var unanswered = queue
        if case .deciding(let pending, _) = turn { unanswered.insert(pending, at: 0) }
        queue = []
        turn = .idle
        let change = setStatus(.ended)
        endReason = reason
        muted = false
        return (unanswered.isEmpty ? [] : [.dropped(unanswered, reason: reason)]) + [change, .end(reason: reason)]
    }

    // MARK: Internals

    private mutating func finishClip(_ playing: Playing, now: Date) -> [Action] {
        turn = .idle
        lastActivity = now
        var actions: [Action] = []
        if muted {
            muted = false
            actions.append(.unmute)
        }
        if let reason = playing.endAfter { return actions + end(reason: reason) }
        if status == .greeting { actions.append(setStatus(.conversing)) }
        return actions + startNextIfIdle()
    }

    /// Starts the next waiting turn. While a device that had joined is away, turns wait for it
    /// to come back (within its grace period) rather than answer an empty room.
    private mutating func startNextIfIdle() -> [Action] {
        guard isLive, turn == .idle, !queue.isEmpty, deviceConnected || status == .waiting else { return [] }
        let next = queue.removeFirst()
        turnsStarted += 1
        turn = .deciding(next, number: turnsStarted)
        return [.decide(next, number: turnsStarted)]
    }

    private mutating func setStatus(_ new: SessionStatus) -> Action {
        let old = status
        status = new
        return .statusChanged(from: old, to: new)
    }
}
