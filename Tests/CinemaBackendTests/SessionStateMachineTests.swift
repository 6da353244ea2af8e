import CinemaCore
import Foundation
import Testing

@testable import CinemaBackend

@Suite("The session's state machine")
struct SessionStateMachineTests {
    static let timing = SessionStateMachine.Timing(idleTimeout: 60, joinTimeout: 120, gracePeriod: 10, clipSlack: 5)
    static let start = Date(timeIntervalSince1970: 1_000_000)

    func at(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    func joined() -> SessionStateMachine {
        var machine = SessionStateMachine(timing: Self.timing, createdAt: Self.start)
        _ = machine.deviceJoined(now: at(1))
        return machine
    }

    func decisions(_ actions: [SessionStateMachine.Action]) -> [(PendingTurn, Int)] {
        actions.compactMap { if case .decide(let turn, let number) = $0 { (turn, number) } else { nil } }
    }

    @Test("client-ready starts the greeting; its clip's end moves the session to conversing")
    func greeting() {
        var machine = joined()
        let actions = machine.clientReady(now: at(2))
        #expect(actions.first == .statusChanged(from: .waiting, to: .greeting))
        #expect(decisions(actions).map(\.0.request) == [.greeting])
        #expect(machine.decided(clipID: 10, duration: 2, endAfter: nil, now: at(2.1)).isEmpty)
        #expect(machine.clipStarted(clipID: 10) == [.mute])
        #expect(machine.muted)
        let ended = machine.clipEnded(clipID: 10, now: at(4))
        #expect(ended == [.unmute, .statusChanged(from: .greeting, to: .conversing)])
        #expect(machine.status == .conversing)
        // A second client-ready (a reconnect) does not greet again.
        #expect(decisions(machine.clientReady(now: at(5))).isEmpty)
    }

    @Test("One turn in flight; visitor turns that arrive meanwhile are merged, operator picks are not")
    func queueAndMerge() {
        var machine = joined()
        _ = machine.clientReady(now: at(2))
        _ = machine.decided(clipID: 10, duration: 2, endAfter: nil, now: at(2))
        _ = machine.clipStarted(clipID: 10)
        #expect(decisions(machine.submit(PendingTurn(.visitor("who are you"), utterances: [1]), now: at(3))).isEmpty)
        #expect(decisions(machine.submit(PendingTurn(.visitor("and why"), utterances: [2]), now: at(3.2))).isEmpty)
        #expect(decisions(machine.submit(PendingTurn(.curator(clipID: 99)), now: at(3.3))).isEmpty)
        #expect(decisions(machine.submit(PendingTurn(.visitor("hello?"), utterances: [3]), now: at(3.4))).isEmpty)
        #expect(machine.queue.map(\.request) == [.visitor("who are you and why"), .curator(clipID: 99), .visitor("hello?")])
        #expect(machine.queue.first?.utterances == [1, 2])
        // Late or unknown clip reports change nothing.
        #expect(machine.clipEnded(clipID: 77, now: at(3.5)).isEmpty)
        let next = decisions(machine.clipEnded(clipID: 10, now: at(4)))
        #expect(next.map(\.0.request) == [.visitor("who are you and why")])
        #expect(next.map(\.1) == [2])
        // Still in flight: nothing else starts until this turn's clip ends.
        #expect(decisions(machine.submit(PendingTurn(.visitor("more"), utterances: [4]), now: at(4.1))).isEmpty)
    }

    @Test("A clip the device never reports ended is taken as over after its length plus the slack")
    func clipWatchdog() {
        var machine = joined()
        _ = machine.clientReady(now: at(2))
        _ = machine.decided(clipID: 10, duration: 3, endAfter: nil, now: at(2))
        _ = machine.clipStarted(clipID: 10)
        #expect(machine.tick(now: at(9.9)).isEmpty)
        let actions = machine.tick(now: at(10))
        #expect(actions.first == .clipTimedOut(clipID: 10, turn: 1))
        #expect(actions.contains(.unmute))
        #expect(machine.status == .conversing)
    }

    @Test("A device gone past the grace period ends the session; one back in time resumes it")
    func grace() {
        var machine = joined()
        _ = machine.clientReady(now: at(2))
        _ = machine.deviceLeft(now: at(3))
        #expect(machine.tick(now: at(12.9)).isEmpty)
        _ = machine.deviceJoined(now: at(12.9))
        #expect(machine.tick(now: at(20)).isEmpty)
        #expect(machine.isLive)
        _ = machine.deviceLeft(now: at(21))
        let actions = machine.tick(now: at(31))
        #expect(actions.contains(.end(reason: "device-gone")))
        #expect(machine.status == .ended)
        #expect(machine.endReason == "device-gone")
    }

    @Test("Idle too long: a farewell clip, then the end; turns still waiting are reported unanswered")
    func idle() {
        var machine = joined()
        _ = machine.clientReady(now: at(2))
        _ = machine.decided(clipID: 10, duration: 1, endAfter: nil, now: at(2))
        _ = machine.clipEnded(clipID: 10, now: at(3))
        #expect(machine.tick(now: at(62.9)).isEmpty)
        let farewell = decisions(machine.tick(now: at(63)))
        #expect(farewell.map(\.0.request) == [.farewell(endReason: "idle", visitor: nil)])
        _ = machine.decided(clipID: 11, duration: 1, endAfter: "idle", now: at(63))
        let dropped = machine.submit(PendingTurn(.visitor("wait"), utterances: [5]), now: at(63.5))
        #expect(dropped.isEmpty)
        let end = machine.clipEnded(clipID: 11, now: at(64))
        #expect(end.contains(.end(reason: "idle")))
        #expect(end.contains { if case .dropped(let turns, "idle") = $0 { turns.flatMap(\.utterances) == [5] } else { false } })
    }

    @Test("Without a device, turns are answered at once; a session nobody joins ends after the join timeout")
    func noDevice() {
        var machine = SessionStateMachine(timing: Self.timing, createdAt: Self.start)
        let started = decisions(machine.submit(PendingTurn(.visitor("hi"), utterances: [1]), now: at(1)))
        #expect(started.count == 1)
        // Nobody to play it to: the turn is over when it is chosen, and the next may start.
        #expect(machine.decided(clipID: 5, duration: 2, endAfter: nil, now: at(1.1)).isEmpty)
        #expect(decisions(machine.submit(PendingTurn(.visitor("again"), utterances: [2]), now: at(2))).count == 1)
        #expect(machine.decisionFailed(now: at(2.1)).isEmpty)
        #expect(machine.tick(now: at(119)).isEmpty)
        #expect(machine.tick(now: at(120)).contains(.end(reason: "never-joined")))
    }

    @Test("Ending on request: at once, or after a farewell that replaces what was waiting")
    func endOnRequest() {
        var machine = joined()
        _ = machine.clientReady(now: at(2))
        _ = machine.submit(PendingTurn(.visitor("one"), utterances: [1], waiters: [UUID()]), now: at(2.5))
        let actions = machine.requestEnd(reason: "operator", farewell: true, now: at(3))
        #expect(actions.contains { if case .dropped(let turns, "operator") = $0 { turns.count == 1 } else { false } })
        #expect(machine.queue.map(\.request) == [.farewell(endReason: "operator", visitor: nil)])
        // A second request while the farewell is pending changes nothing.
        #expect(machine.requestEnd(reason: "operator", farewell: true, now: at(3.1)).isEmpty)
        var other = joined()
        let now = other.requestEnd(reason: "device-left", farewell: false, now: at(2))
        #expect(now == [.statusChanged(from: .waiting, to: .ended), .end(reason: "device-left")])
        #expect(other.submit(PendingTurn(.visitor("late")), now: at(3)).count == 1)
    }

    @Test("A restored session reads its own idle timeout back from its created event; one created without has none")
    func restoredIdleTimeout() {
        let created = SessionEvent(
            session: "s",
            sequence: 1,
            at: Self.start,
            body: .created(.init(station: "tv", baseURL: "http://127.0.0.1", config: nil, idleTimeout: 20))
        )
        #expect(SessionHistory([created]).idleTimeout == 20)
        let plain = SessionEvent(
            session: "s",
            sequence: 1,
            at: Self.start,
            body: .created(.init(station: "tv", baseURL: "http://127.0.0.1", config: nil))
        )
        #expect(SessionHistory([plain]).idleTimeout == nil)
    }
}
