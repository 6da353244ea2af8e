import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaStation

#if canImport(Glibc)
import Glibc
#endif

/// A FIFO that a reader opens as its input device, and the test writes records into.
final class FakeInputDevice: Sendable {
    let path: String
    private let writer: Int32

    init(in directory: TemporaryDirectory) throws {
        path = directory.file("event0")
        guard mkfifo(path, 0o600) == 0 else { throw ServerProcess.Failure(description: "mkfifo \(path): \(errno)") }
        // Read and write: opening never waits for a reader, and the FIFO has a writer until close.
        writer = open(path, O_RDWR | O_CLOEXEC)
        guard writer >= 0 else { throw ServerProcess.Failure(description: "open \(path): \(errno)") }
    }

    func send(_ events: [InputEvent]) { send(bytes: events.flatMap(\.bytes)) }

    func send(bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
    }

    func key(_ code: UInt16, down: Bool) -> InputEvent { InputEvent.key(code, down: down) }

    /// The device unplugged: the reader reaches its end.
    func unplug() { close(writer) }
}

/// What a hook switch reported, in order.
actor Changes {
    private(set) var seen: [Bool] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func add(_ lifted: Bool) {
        seen.append(lifted)
        for waiter in waiters where seen.count >= waiter.count { waiter.continuation.resume() }
        waiters.removeAll { seen.count >= $0.count }
    }

    func wait(for count: Int) async {
        if seen.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}

@Suite("The handset's hook switch")
struct HookSwitchTests {
    @Test("Written as input:path:KEY or gpio:chip:line, :inverted at the end; anything else is refused saying how to write it")
    func sources() throws {
        let key = try HookSource("input:/dev/input/by-id/usb-button-event-kbd:KEY_SPACE")
        #expect(key.kind == .input(path: "/dev/input/by-id/usb-button-event-kbd", code: 57))
        #expect(!key.inverted)
        #expect(try HookSource("input:/dev/input/event3:256:inverted") == HookSource("input:/dev/input/event3:BTN_0:inverted"))
        #expect(try HookSource("gpio:gpiochip0:17").kind == .gpio(chip: "gpiochip0", line: 17))
        #expect(try HookSource("gpio:gpiochip0:17:inverted").description == "gpio:gpiochip0:17:inverted")
        for (text, reason) in [
            ("input:event3:KEY_SPACE", "absolute path"), ("input:/dev/input/event3:KEY_NOPE", "is not a key number"),
            ("gpio:gpiochip0:-1", "line should be a number"), ("serial:/dev/ttyUSB0", "write it as input:"), ("", "write it as input:"),
        ] {
            #expect {
                _ = try HookSource(text)
            } throws: { error in
                (error as? HookSourceError)?.description.contains(reason) == true
            }
        }
    }

    @Test("A reading counts once it has held for the debounce time: contact bounce and a short glitch change nothing")
    func debounce() {
        let start = ContinuousClock.now
        func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }
        var debouncer = HookDebouncer(interval: .milliseconds(40), settled: false)
        // Lifted, bouncing for 6 ms.
        for (time, lifted) in [(0, true), (2, false), (3, true), (6, false), (6, true)] { _ = debouncer.reading(lifted, at: at(time)) }
        #expect(debouncer.check(at: at(40)) == nil)  // 40 ms after the first edge, 34 after the last
        #expect(debouncer.check(at: at(46)) == true)
        #expect(debouncer.check(at: at(50)) == nil)  // reported once
        // A 5 ms glitch to "rests" while lifted.
        _ = debouncer.reading(false, at: at(100))
        _ = debouncer.reading(true, at: at(105))
        #expect(debouncer.check(at: at(140)) == nil)
        #expect(debouncer.check(at: at(145)) == nil)
        #expect(debouncer.settled == true)
    }

    @Test(
        "Records of an input device, read from the device: presses of the hook's key become lifts, bounces are merged, other keys ignored; unplugged, it says so"
    )
    func readsDevice() async throws {
        try await TemporaryDirectory.with { directory in
            let device = try FakeInputDevice(in: directory)
            let changes = Changes()
            let hook = HookSwitch(source: try HookSource("input:\(device.path):KEY_SPACE"), debounce: .milliseconds(30))
            let reading = Task { () -> HookReadError? in
                do throws(HookReadError) {
                    try await hook.run { await changes.add($0) }
                    return nil
                } catch {
                    return error
                }
            }
            // Lifted, with contact bounce; a key that is not the hook's between.
            device.send([device.key(57, down: true), device.key(57, down: false), device.key(30, down: true), device.key(57, down: true)])
            await changes.wait(for: 1)
            device.send([device.key(57, down: false)])
            await changes.wait(for: 2)
            #expect(await changes.seen == [true, false])
            // Half a record, then the rest: read as one.
            let press = device.key(57, down: true).bytes
            device.send(bytes: Array(press[..<10]))
            try await Task.sleep(for: .milliseconds(20))
            device.send(bytes: Array(press[10...]))
            await changes.wait(for: 3)
            #expect(await changes.seen == [true, false, true])
            device.unplug()
            let ending = await reading.value
            #expect(ending?.description.contains(device.path) == true, "\(String(describing: ending))")
            #expect(ending?.description.contains("went away") == true)
        }
    }

    @Test("A GPIO line whose tools are missing or whose chip does not exist is named, with what to do")
    func gpioUnreadable() async throws {
        let hook = HookSwitch(source: try HookSource("gpio:gpiochip9:17"))
        do throws(HookReadError) {
            try await hook.run { _ in }
            Issue.record("read a GPIO line that is not there")
        } catch {
            #expect(error.description.contains("gpio gpiochip9 line 17 cannot be read"), "\(error)")
            // Without Debian's gpiod tools (as here) it says to install them; with them, gpioget's own words.
            #expect(error.description.contains("apt-get install gpiod") || error.description.contains("gpioget failed"), "\(error)")
        }
    }

    @Test("A device that cannot be opened is named, with what to check")
    func missingDevice() async throws {
        let hook = HookSwitch(source: try HookSource("input:/dev/input/event-none:KEY_SPACE"))
        do throws(HookReadError) {
            try await hook.run { _ in }
            Issue.record("read a device that does not exist")
        } catch {
            #expect(error.description.contains("/dev/input/event-none cannot be read: No such file or directory"))
            #expect(error.description.contains("ls /dev/input/by-id"))
        }
    }
}

@Suite("A station with a handset")
struct HandsetVisitTests {
    /// The handset's state as the dashboard's feed reports it, once `done` holds.
    static func handset(
        _ events: AsyncThrowingStream<ServerSentEvent, any Error>,
        until done: (JSONValue) -> Bool
    ) async throws -> JSONValue {
        for try await event in events where event.event == "handset" {
            let status = try JSONDecoder().decode(JSONValue.self, from: Data(event.data.utf8))
            if done(status) { return status }
        }
        throw ServerProcess.Failure(description: "the feed ended before the handset did")
    }

    @Test(
        "Lifting the handset starts a visit (a session for this station and its client, with the station's silence timeout), hanging up ends it; a visit the operator started ends when the handset is hung up; the dashboard's feed shows each"
    )
    func visits() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await BackendProcess.home(directory)
            _ = try await ServerProcess.run(BackendProcess.serve, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    let api = HTTPTestClient(base: backend.base)
                    let device = try FakeInputDevice(in: directory)
                    let source = try HookSource("input:\(device.path):KEY_SPACE")
                    let configuration = StationHarness.configuration {
                        $0.backendURL = backend.base
                        $0.name = "tv"
                        $0.hook = source
                        $0.hookDebounce = .milliseconds(20)
                        $0.silenceTimeout = 45
                    }
                    try await StationHarness.run(home: directory.file("station"), configuration: configuration) { station in
                        let shown = try await station.http.get("/api/station").json
                        #expect(shown["handset"]?["source"]?.stringValue == source.description)
                        // The dashboard reads it here to ask the same of the visits it starts.
                        #expect(shown["silenceTimeout"]?.doubleValue == 45)
                        try await station.http.events("/api/clients/events") { events in
                            device.send([device.key(57, down: true)])
                            let lifted = try await Self.handset(events) { $0["state"]?.stringValue == "lifted" && $0["visit"]?.stringValue != nil }
                            let visit = try #require(lifted["visit"]?.stringValue)
                            let session = try await api.get("/api/sessions/\(visit)").json["session"]
                            #expect(session?["station"]?.stringValue == "tv")
                            #expect(session?["status"]?.stringValue != "ended")
                            // The station's silence timeout is the visit's own idle timeout.
                            guard case .array(let log) = try await api.get("/api/sessions/\(visit)").json["events"] else {
                                throw ServerProcess.Failure(description: "GET /api/sessions/\(visit) did not list events")
                            }
                            let created = log.first { $0["type"]?.stringValue == "session-created" }
                            #expect(created?["data"]?["idle_timeout"]?.doubleValue == 45, "\(log)")
                            guard case .array(let clients) = try await station.http.get("/api/clients").json else {
                                throw ServerProcess.Failure(description: "GET /api/clients did not list clients")
                            }
                            #expect(clients.map { $0["identifier"]?.stringValue } == [visit], "\(clients)")

                            device.send([device.key(57, down: false)])
                            _ = try await Self.handset(events) { $0["state"]?.stringValue == "resting" && $0["visit"] == .null }
                            #expect(try await api.get("/api/sessions/\(visit)").json["session"]?["status"]?.stringValue == "ended")

                            // The operator starts the next visit from the dashboard; the visitor
                            // lifts the handset (joining it) and hangs up (ending it).
                            let operatorVisit = try #require(
                                try await api.post("/api/connect", #"{"station": "tv"}"#).json["identifier"]?.stringValue
                            )
                            device.send([device.key(57, down: true)])
                            let joined = try await Self.handset(events) { $0["state"]?.stringValue == "lifted" && $0["visit"]?.stringValue != nil }
                            #expect(joined["visit"]?.stringValue == operatorVisit)
                            device.send([device.key(57, down: false)])
                            _ = try await Self.handset(events) { $0["state"]?.stringValue == "resting" && $0["visit"] == .null }
                            #expect(try await api.get("/api/sessions/\(operatorVisit)").json["session"]?["status"]?.stringValue == "ended")
                        }
                        #expect(try await station.http.get("/health").json["handset"]?["state"]?.stringValue == "resting")
                    }
                }
            }
        }
    }
}

@Suite("The clients' logs")
struct ClientLogsTests {
    @Test("Only the newest sessions' logs are kept, each with its rotated parts; other files stay")
    func pruned() async throws {
        try await TemporaryDirectory.with { directory in
            let now = Date()
            var files: [String: Date] = ["notes.txt": now.addingTimeInterval(-9_000), "client-x.logger": now.addingTimeInterval(-9_000)]
            for (index, session) in ["a", "b", "c", "d"].enumerated() {
                // a is the oldest, d the newest.
                let modified = now.addingTimeInterval(Double(index - 4) * 600)
                files["client-\(session).log"] = modified
                files["client-\(session).log.1"] = modified.addingTimeInterval(-60)
            }
            files["client-b.log.2"] = now.addingTimeInterval(-5_000)
            for (name, modified) in files {
                let path = try directory.write(name, "line\n")
                try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
            }
            #expect(ClientLogs.prune(directory.path, keeping: 2) == 5)
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
            #expect(left == ["notes.txt", "client-x.logger", "client-c.log", "client-c.log.1", "client-d.log", "client-d.log.1"])
        }
    }
}
