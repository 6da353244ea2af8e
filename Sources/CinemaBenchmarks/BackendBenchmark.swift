import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Loads a real `cinema serve` process the way a gallery full of TVs would: sessions created as
/// fast as the API allows, then many rooms at once, each streaming microphone audio in 20 ms
/// frames and typing a turn every few seconds. Reports the turn latency a device sees, and the
/// backend's CPU and memory.
struct BackendBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "Benchmark cinema serve: sessions created per second; rooms streaming audio with typed turns."
    )

    @Option(help: "Folder of .srt files for the library (the 60 films of ../shared/data/films).")
    var films: String

    @Option(help: "Sessions to create for the creation-rate figure.")
    var sessions = 1000

    @Option(help: "Concurrent requests while creating sessions.")
    var concurrency = 8

    @Option(help: "Rooms live at once, each streaming audio.")
    var rooms = 200

    @Option(help: "Seconds of streaming after every room has joined.")
    var seconds = 60.0

    @Option(help: "Mean seconds between one room's typed turns (each waits 0.5–1.5 × this).")
    var turnInterval = 3.0

    @Option(help: "Milliseconds of audio per frame; 0 sends no audio (typed turns only).")
    var frameMilliseconds = 20

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    @Option(help: "Random seed for the turns' lines and timing.")
    var seed: UInt64 = 42

    func run() async throws {
        let scratch = try await ScratchHome.indexing(films, for: "backend")
        defer { scratch.remove() }
        let home = scratch.home
        let lines = try await sampleLines(from: scratch.library)
        print("# cinema-bench backend — \(scratch.cues) cues, \(rooms) rooms, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")

        let environment = [
            "CINEMA_HOME": home,
            // Rooms are measured for `seconds`; nothing should end them before.
            "CINEMA_BACKEND_IDLE_TIMEOUT": "3600",
        ]
        let executable = cinema ?? CinemaExecutable.path
        let (result, status) = try await ServerProcess.run(
            ["serve", "--port", "0", "--log-level", "error"],
            environment: environment,
            executable: executable
        ) { server in
            let creation = try await measureCreation(server)
            let load = try await measureRooms(server, lines: lines)
            return (creation, load)
        }
        let (creation, load) = result
        print(
            Table.markdown(
                header: ["what", "count", "rate", "p50 ms", "p99 ms", "max ms"],
                rows: [
                    [
                        "POST /api/connect (\(concurrency) at a time)", "\(creation.latencies.count)",
                        String(format: "%.0f sessions/s", creation.rate),
                        String(format: "%.1f", creation.latencies.p50), String(format: "%.1f", creation.latencies.p99),
                        String(format: "%.1f", creation.latencies.max),
                    ],
                    [
                        "typed turn, send-text → play-clip (device)", "\(load.turns.count)", String(format: "%.1f turns/s", load.turnRate),
                        String(format: "%.1f", load.turns.p50), String(format: "%.1f", load.turns.p99), String(format: "%.1f", load.turns.max),
                    ],
                    [
                        "same turns, backend's own total_ms", "\(load.serverTotals.count)", "",
                        String(format: "%.1f", load.serverTotals.p50), String(format: "%.1f", load.serverTotals.p99),
                        String(format: "%.1f", load.serverTotals.max),
                    ],
                    [
                        "of which the director's decision (director_ms)", "\(load.directorTimes.count)", "",
                        String(format: "%.1f", load.directorTimes.p50), String(format: "%.1f", load.directorTimes.p99),
                        String(format: "%.1f", load.directorTimes.max),
                    ],
                    [
                        "join: connect + client-ready → greeting play-clip", "\(load.joins.count)", "",
                        String(format: "%.1f", load.joins.p50), String(format: "%.1f", load.joins.p99), String(format: "%.1f", load.joins.max),
                    ],
                ]
            )
        )
        print("")
        print(
            String(
                format: "audio: %d frames of %d bytes sent (%.0f frames/s); backend CPU %.0f%% of one core (%.2f of %d cores) while streaming",
                load.framesSent,
                32 * frameMilliseconds,
                Double(load.framesSent) / load.seconds,
                load.cpuShare * 100,
                load.cpuShare,
                ProcessInfo.processInfo.activeProcessorCount
            )
        )
        print(
            String(
                format: "backend CPU per turn: %.1f ms (%.1f CPU-seconds for %d turns); the load generator itself: %.2f of %d cores",
                load.turns.count > 0 ? load.cpuShare * load.seconds * 1000 / Double(load.turns.count) : 0,
                load.cpuShare * load.seconds,
                load.turns.count,
                load.generatorShare,
                ProcessInfo.processInfo.activeProcessorCount
            )
        )
        print(String(format: "backend memory: RSS %.0f MiB at the end of streaming, peak %.0f MiB", load.rssMiB, load.peakMiB))
        print(
            String(
                format:
                    "graceful stop (SIGTERM) with %d rooms live: every room told session-ended (shutdown) within %.2f s (%d of %d); exit status %d",
                rooms,
                load.stopSeconds,
                load.endedSeen,
                rooms,
                status
            )
        )
        if load.failures > 0 { print("rooms that failed: \(load.failures)") }
    }

    // MARK: Sessions per second

    struct Creation {
        var latencies: Percentiles
        var rate: Double
    }

    private func measureCreation(_ server: ServerProcess) async throws -> Creation {
        let http = HTTPTestClient(base: server.base)
        let clock = ContinuousClock()
        let started = clock.now
        let perWorker = sessions / concurrency
        let results = try await withThrowingTaskGroup(of: ([Double], [String]).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var times: [Double] = []
                    var ids: [String] = []
                    for _ in 0..<perWorker {
                        let sent = clock.now
                        let reply = try await http.post("/api/connect", "{}")
                        times.append((clock.now - sent) / .milliseconds(1))
                        if let id = reply.json["identifier"]?.stringValue { ids.append(id) }
                    }
                    return (times, ids)
                }
            }
            var all: [([Double], [String])] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = (clock.now - started) / .seconds(1)
        let times = results.flatMap(\.0)
        // End them, so that the room phase starts with no other sessions live.
        for id in results.flatMap(\.1) { _ = try await http.post("/api/sessions/\(id)/end") }
        return Creation(latencies: Percentiles(times), rate: Double(times.count) / elapsed)
    }

    // MARK: Rooms

    final class Load: Sendable {
        let turnTimes = Mutex<[Double]>([])
        let serverTotals = Mutex<[Double]>([])
        let directorTimes = Mutex<[Double]>([])
        let joinTimes = Mutex<[Double]>([])
        let frames = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let endedSeen = Atomic<Int>(0)
        let joined = Atomic<Int>(0)
    }

    /// The rooms whose microphones are on.
    final class Microphones: Sendable {
        private let live = Mutex<[Int: RoomTestClient]>([:])
        func add(_ room: RoomTestClient, index: Int) { live.withLock { $0[index] = room } }
        func remove(_ index: Int) { _ = live.withLock { $0.removeValue(forKey: index) } }
        var rooms: [RoomTestClient] { live.withLock { Array($0.values) } }
    }

    struct LoadResult {
        var turns: Percentiles
        var serverTotals: Percentiles
        var directorTimes: Percentiles
        var joins: Percentiles
        var turnRate: Double
        var framesSent: Int
        var seconds: Double
        var cpuShare: Double
        /// This process's own share of the cores over the same window: it runs on the machine
        /// it measures.
        var generatorShare: Double
        var rssMiB: Double
        var peakMiB: Double
        var failures: Int
        var endedSeen: Int
        var stopSeconds: Double
    }

    private func measureRooms(_ server: ServerProcess, lines: [String]) async throws -> (LoadResult) {
        let http = HTTPTestClient(base: server.base)
        let load = Load()
        let clock = ContinuousClock()
        let rooms = self.rooms
        let seconds = self.seconds
        let interval = turnInterval
        let seed = self.seed
        let frameMilliseconds = self.frameMilliseconds
        let (startSignal, startContinuation) = AsyncStream.makeStream(of: ContinuousClock.Instant.self)
        // Each room says when it has stopped streaming, and when it has been told the session ended.
        let (progress, progressContinuation) = AsyncStream.makeStream(of: RoomProgress.self)
        let stop = Shared<(started: ContinuousClock.Instant, ended: ContinuousClock.Instant?)?>(nil)
        let measuring = Shared<(ContinuousClock.Instant, ProcessSample)?>(nil)
        let finished = Shared<(ContinuousClock.Instant, ProcessSample)?>(nil)
        let peak = Shared<Double>(0)
        let generatorStart = Shared<Double>(0)
        let generatorEnd = Shared<Double>(0)

        let microphones = Microphones()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One metronome sends every room's 16 kHz mono PCM, a frame per room per tick, so the
            // load generator costs as little as it can of the two cores it shares with the backend.
            if frameMilliseconds > 0 {
                group.addTask {
                    let frame = [UInt8](repeating: 1, count: 32 * frameMilliseconds)
                    var next = clock.now
                    while true {
                        if let end = measuring.withLock({ $0 }).map({ $0.0 + .seconds(seconds) }), clock.now >= end { return }
                        for room in microphones.rooms {
                            do {
                                try await room.send(binary: frame)
                                load.frames.add(1, ordering: .relaxed)
                            } catch {
                                // That room has gone; its own task reports why.
                            }
                        }
                        next += .milliseconds(frameMilliseconds)
                        try await Task.sleep(until: next, clock: clock)
                    }
                }
            }
            for index in 0..<rooms {
                group.addTask {
                    do {
                        try await Self.room(
                            index: index,
                            http: http,
                            lines: lines,
                            interval: interval,
                            seed: seed,
                            microphones: microphones,
                            load: load,
                            rooms: rooms,
                            start: startContinuation,
                            progress: progressContinuation,
                            until: { measuring.withLock { $0 }.map { $0.0 + .seconds(seconds) } }
                        )
                    } catch {
                        load.failed.add(1, ordering: .relaxed)
                        progressContinuation.yield(.failed)
                        try? FileHandle.standardError.write(contentsOf: Data("room \(index) failed: \(error)\n".utf8))
                    }
                }
            }
            // Once every room has joined, the measured window starts.
            group.addTask {
                for await instant in startSignal {
                    measuring.withLock { $0 = (instant, ProcessSample(pid: server.processID)) }
                    generatorStart.withLock { $0 = ProcessSample(pid: getpid()).cpuSeconds }
                    load.turnTimes.withLock { $0.removeAll() }
                    load.serverTotals.withLock { $0.removeAll() }
                    load.directorTimes.withLock { $0.removeAll() }
                    load.frames.store(0, ordering: .relaxed)
                    let end = instant + .seconds(seconds)
                    while clock.now < end {
                        try await Task.sleep(for: .seconds(1))
                        let sample = ProcessSample(pid: server.processID)
                        peak.withLock { $0 = max($0, sample.rssMiB) }
                    }
                    finished.withLock { $0 = (clock.now, ProcessSample(pid: server.processID)) }
                    generatorEnd.withLock { $0 = ProcessSample(pid: getpid()).cpuSeconds }
                    break
                }
                // When every room has stopped streaming, stop the backend and time how long it
                // takes to tell every room.
                var streaming = rooms
                var waitingForEnd = rooms
                for await event in progress {
                    switch event {
                    case .streamed:
                        streaming -= 1
                    case .ended:
                        waitingForEnd -= 1
                    case .failed:
                        streaming -= 1
                        waitingForEnd -= 1
                    }
                    if streaming == 0, stop.withLock({ $0 }) == nil {
                        stop.withLock { $0 = (clock.now, nil) }
                        try server.send(SIGTERM)
                    }
                    if waitingForEnd == 0 {
                        stop.withLock { $0?.ended = clock.now }
                        break
                    }
                }
            }
            try await group.waitForAll()
        }
        let (start, before) = try measuring.withLock { $0 } ?? { throw ValidationError("the rooms never all joined") }()
        let (end, after) = finished.withLock { $0 } ?? (clock.now, ProcessSample(pid: server.processID))
        let wall = (end - start) / .seconds(1)
        let turns = load.turnTimes.withLock { $0 }
        return LoadResult(
            turns: Percentiles(turns),
            serverTotals: Percentiles(load.serverTotals.withLock { $0 }),
            directorTimes: Percentiles(load.directorTimes.withLock { $0 }),
            joins: Percentiles(load.joinTimes.withLock { $0 }),
            turnRate: Double(turns.count) / wall,
            framesSent: load.frames.load(ordering: .relaxed),
            seconds: wall,
            cpuShare: (after.cpuSeconds - before.cpuSeconds) / wall,
            generatorShare: max(0, generatorEnd.withLock { $0 } - generatorStart.withLock { $0 }) / wall,
            rssMiB: after.rssMiB,
            peakMiB: max(after.peakMiB, peak.withLock { $0 }),
            failures: load.failed.load(ordering: .relaxed),
            endedSeen: load.endedSeen.load(ordering: .relaxed),
            stopSeconds: stop.withLock { $0.map { (($0.ended ?? clock.now) - $0.started) / .seconds(1) } } ?? 0
        )
    }

    /// One TV: joins, plays along (reports each clip started and ended at once), streams audio
    /// every 20 ms and types a line every few seconds, timing each answer.
    private static func room(
        index: Int,
        http: HTTPTestClient,
        lines: [String],
        interval: Double,
        seed: UInt64,
        microphones: Microphones,
        load: Load,
        rooms: Int,
        start: AsyncStream<ContinuousClock.Instant>.Continuation,
        progress: AsyncStream<RoomProgress>.Continuation,
        until: @escaping @Sendable () -> ContinuousClock.Instant?
    ) async throws {
        let clock = ContinuousClock()
        let joinStarted = clock.now
        let connect = try await http.post("/api/connect", "{}")
        guard let url = connect.json["room_url"]?.stringValue, let token = connect.json["token"]?.stringValue else {
            throw ValidationError("connect failed: \(connect.text)")
        }
        try await RoomTestClient.connect(to: url + "?token=" + token) { room in
            try await room.send(.clientReady())
            let greeting = try await room.next("server-message", serverType: "play-clip", within: .seconds(60))
            load.joinTimes.withLock { $0.append((clock.now - joinStarted) / .milliseconds(1)) }
            if let id = greeting.clipID {
                try await room.send(.clipStarted(id))
                try await room.send(.clipEnded(id))
            }
            if load.joined.add(1, ordering: .relaxed).newValue == rooms {
                start.yield(clock.now)
                start.finish()
            }
            let sentAt = Shared<ContinuousClock.Instant?>(nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Microphone: the shared metronome sends this room's frames from now on.
                microphones.add(room, index: index)
                defer { microphones.remove(index) }
                // The visitor: a line every interval × (0.5…1.5).
                group.addTask {
                    var random = SeededRandom(seed: seed &+ UInt64(index))
                    while true {
                        try await Task.sleep(for: .seconds(interval * Double.random(in: 0.5...1.5, using: &random)))
                        if let end = until(), clock.now >= end { return }
                        guard sentAt.withLock({ $0 }) == nil else { continue }
                        sentAt.withLock { $0 = clock.now }
                        try await room.send(.sendText(lines[Int.random(in: 0..<lines.count, using: &random)]))
                    }
                }
                // The TV: time each answer, play it "instantly".
                group.addTask {
                    while true {
                        if let end = until(), clock.now >= end + .seconds(5) { return }
                        let message: RoomMessage
                        do {
                            message = try await room.next(within: .seconds(5))
                        } catch RoomTestClient.Failure.timedOut {
                            continue
                        }
                        switch try? ServerMessage(message) {
                        case .playClip(_, let clip):
                            if let sent = sentAt.withLock({ state -> ContinuousClock.Instant? in
                                defer { state = nil }
                                return state
                            }) {
                                load.turnTimes.withLock { $0.append((clock.now - sent) / .milliseconds(1)) }
                            }
                            try await room.send(.clipStarted(clip.id))
                            try await room.send(.clipEnded(clip.id))
                        case .metrics(let timings):
                            // Each turn is reported twice; the second, after clip-started, adds
                            // the player's part.
                            if timings.turn > 1, timings.playerMilliseconds == nil {
                                load.serverTotals.withLock { $0.append(timings.totalMilliseconds) }
                                load.directorTimes.withLock { $0.append(timings.directorMilliseconds) }
                            }
                        default:
                            break
                        }
                    }
                }
                try await group.waitForAll()
            }
            progress.yield(.streamed)
            // Stay in the room until the backend stops, to see that it says so.
            if let ended = try? await room.next("server-message", serverType: "session-ended", within: .seconds(120)),
                case .sessionEnded("shutdown") = try? ServerMessage(ended)
            {
                load.endedSeen.add(1, ordering: .relaxed)
            }
            progress.yield(.ended)
        }
    }

    enum RoomProgress: Sendable {
        case streamed, ended, failed
    }

    /// Lines of dialogue from the library, as typed turns.
    private func sampleLines(from library: LibraryDatabase) async throws -> [String] {
        var generator = SeededRandom(seed: seed)
        var lines: [String] = []
        var attempts = 0
        while lines.count < 500 && attempts < 50_000 {
            attempts += 1
            guard let clip = try await library.clip(id: Int64.random(in: 1...80_000, using: &generator)) else { continue }
            let words = clip.text.split(whereSeparator: \.isWhitespace)
            let line = words.joined(separator: " ")
            // A goodbye would end the room before the measurement does.
            if (3...12).contains(words.count), !VisitorIntent.isGoodbye(line) { lines.append(line) }
        }
        return lines
    }
}

/// CPU time and memory of a process, read from /proc.
struct ProcessSample {
    var cpuSeconds: Double
    var rssMiB: Double
    var peakMiB: Double

    init(pid: Int32) {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name (which may hold spaces) start after the last ')'.
        let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        // utime and stime are fields 14 and 15; here, after the name, at 11 and 12.
        let user = fields.count > 12 ? Double(fields[11]) ?? 0 : 0
        let system = fields.count > 12 ? Double(fields[12]) ?? 0 : 0
        cpuSeconds = (user + system) / ticks
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func kilobytes(_ key: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        rssMiB = kilobytes("VmRSS:") / 1024
        peakMiB = kilobytes("VmHWM:") / 1024
    }
}
