import ArgumentParser
import CinemaCore
import CinemaStation
import CinemaTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The installation left running as a gallery runs it: `cinema up` on the demo library, a
/// visitor who lifts the handset (a FIFO the station reads as its input device), is greeted,
/// asks a spoken question (a WAV the client plays as its microphone) and hangs up, visit after
/// visit; every minute the memory, descriptors and threads of every process and the size of
/// every SQLite file are sampled. Reports growth after the first minutes, stuck sessions, lost
/// events and unanswered visits, and plots the samples as an SVG.
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run the whole installation for a long time with a synthetic visitor; sample every process each minute."
    )

    @Option(help: "Minutes to run.")
    var minutes = 60.0

    @Option(help: "Seconds between samples.")
    var sampleSeconds = 60.0

    @Option(help: "Seconds of quiet between one visit's end and the next lift.")
    var pause = 5.0

    @Option(help: "Where to write the plot (SVG).")
    var plot = "soak.svg"

    @Option(help: "The recognizer (whisper or pocketsphinx; default: cinema up's own).")
    var speech: String?

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    @Flag(help: "Keep the scratch folder (the data directory, the logs) for a look afterwards.")
    var keep = false

    static let questions = [
        "what is your name", "where are you from", "do you like the movies", "who are you", "are you hungry",
        "do you believe in ghosts", "where are we going", "can you help me", "why are you so sad", "what do you want from me",
    ]

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.path + "/cinema-bench-soak-\(getpid())"
        try? FileManager.default.removeItem(atPath: scratch)
        let home = scratch + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(atPath: scratch) } }
        let directory = try TemporaryDirectory(path: scratch + "/speech")
        var questions: [(String, [UInt8])] = []
        for question in Self.questions {
            let speech = try await MediaFixtures.speech(question, in: directory)
            // Quiet while the greeting plays (the room ignores the microphone then), the
            // question, then the quiet of a room that waits.
            let samples = [Int16](repeating: 0, count: 16_000 * 9) + speech + [Int16](repeating: 0, count: 16_000)
            questions.append((question, WAVFile(sampleRate: 16_000, samples: samples).bytes))
        }
        let spoken = questions
        let microphone = scratch + "/microphone.wav"
        let hook = scratch + "/handset"
        guard mkfifo(hook, 0o600) == 0 else { throw ValidationError("Could not make the handset's FIFO at \(hook).") }
        let holder = open(hook, O_RDWR | O_CLOEXEC)
        defer { close(holder) }

        var arguments = ["up", "--port", "0", "--backend-port", "0", "--player-port", "0", "--headless", "--hook", "input:\(hook):KEY_SPACE"]
        if let speech { arguments += ["--speech", speech] }
        // The client plays the WAV the soak writes before each lift.
        let environment = ["CINEMA_HOME": home, "CINEMA_AUDIO_FILE": microphone]
        let duration = Duration.seconds(minutes * 60)
        let interval = Duration.seconds(sampleSeconds)
        let pause = Duration.seconds(pause)
        print(
            "# cinema-bench soak — \(minutes) minutes, a sample every \(Int(sampleSeconds)) s, \(ProcessInfo.processInfo.activeProcessorCount) cores\n"
        )
        try? FileHandle.standardError.write(contentsOf: Data("Starting cinema up (the demo library is made first if the home has none)…\n".utf8))
        let (outcome, status, _) = try await WatchedProcess.run(arguments, environment: environment, executable: cinema ?? CinemaExecutable.path) {
            up in
            let line = try await up.line(containing: "Open the dashboard:", within: .seconds(900))
            guard let station = line.split(separator: " ").first(where: { $0.hasPrefix("http://") }).map(String.init) else {
                throw ValidationError("cinema up printed no dashboard address: \(line)")
            }
            let backend = try await HTTPTestClient(base: station).get("/api/station").json["backendUrl"]?.stringValue ?? ""
            let visitor = SoakVisitor(hook: hook, microphone: microphone, questions: spoken, backend: HTTPTestClient(base: backend))
            let sampler = SoakSampler(root: up.processID, home: home)
            let outcome = try await withThrowingTaskGroup(of: SoakOutcome.self) { group in
                group.addTask {
                    var samples: [SoakSampler.Sample] = []
                    let clock = ContinuousClock()
                    let start = clock.now
                    while clock.now - start < duration {
                        samples.append(sampler.sample(at: clock.now - start))
                        try? FileHandle.standardError.write(contentsOf: Data("\(samples.last!.line)\n".utf8))
                        try await Task.sleep(for: interval)
                    }
                    samples.append(sampler.sample(at: clock.now - start))
                    return SoakOutcome(samples: samples)
                }
                group.addTask {
                    var outcome = SoakOutcome()
                    let clock = ContinuousClock()
                    let start = clock.now
                    while clock.now - start < duration {
                        outcome.visits.append(try await visitor.visit(number: outcome.visits.count))
                        try await Task.sleep(for: pause)
                    }
                    return outcome
                }
                var merged = SoakOutcome()
                for try await part in group {
                    merged.samples += part.samples
                    merged.visits += part.visits
                }
                merged.liveAtEnd = try await visitor.liveSessions()
                return merged
            }
            try up.send(SIGINT)
            return outcome
        }
        print(SoakReport(outcome: outcome, exitStatus: status).markdown)
        try SoakPlot(samples: outcome.samples).svg.write(toFile: plot, atomically: true, encoding: .utf8)
        print("\nPlot: \(plot)")
        if keep { print("Kept: \(scratch)") }
    }
}

struct SoakOutcome: Sendable {
    var samples: [SoakSampler.Sample] = []
    var visits: [SoakVisitor.Visit] = []
    var liveAtEnd = 0
}

/// One visitor after another: lift, greeting, the spoken question and its answer, hang up.
struct SoakVisitor: Sendable {
    let hook: String
    let microphone: String
    let questions: [(String, [UInt8])]
    let backend: HTTPTestClient

    struct Visit: Sendable {
        var question: String
        var session: String?
        var heard: String?
        var answered = false
        var ended = false
        /// Events missing from the session's log: gaps in its sequence numbers.
        var lostEvents = 0
        var seconds = 0.0
        var problem: String?
    }

    func visit(number: Int) async throws -> Visit {
        let (question, wav) = questions[number % questions.count]
        var visit = Visit(question: question)
        let clock = ContinuousClock()
        let start = clock.now
        try Data(wav).write(to: URL(fileURLWithPath: microphone))
        press(down: true)
        do {
            let session = try await waitForLiveSession(within: .seconds(30))
            visit.session = session
            visit.heard = try await waitForSpokenAnswer(session, within: .seconds(60))
            visit.answered = visit.heard != nil
        } catch {
            visit.problem = "\(error)"
        }
        press(down: false)
        if let session = visit.session {
            visit.ended = (try? await waitForEnd(session, within: .seconds(30))) ?? false
            if let events = try? await backend.get("/api/sessions/\(session)").json["events"], case .array(let list) = events {
                let sequences = list.compactMap { $0["sequence"]?.int64Value }
                visit.lostEvents = Int((sequences.max() ?? 0) - Int64(sequences.count))
            }
        }
        visit.seconds = Double((clock.now - start).components.seconds)
        return visit
    }

    func liveSessions() async throws -> Int {
        guard case .array(let sessions) = try await backend.get("/api/sessions?status=live").json["sessions"] else { return 0 }
        return sessions.count
    }

    /// A key record (`struct input_event`, EV_KEY, KEY_SPACE) into the handset's FIFO.
    private func press(down: Bool) {
        var record = InputEvent.key(57, down: down).bytes
        let descriptor = open(hook, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = write(descriptor, &record, record.count)
        close(descriptor)
    }

    private func waitForLiveSession(within limit: Duration) async throws -> String {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if case .array(let sessions) = try await backend.get("/api/sessions?status=live").json["sessions"],
                let id = sessions.first?["identifier"]?.stringValue
            {
                return id
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ValidationError("no session began within \(limit) of lifting the handset")
    }

    /// What the room heard of the question, once a clip answered it; nil if none did in time.
    private func waitForSpokenAnswer(_ session: String, within limit: Duration) async throws -> String? {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                try await backend.events("/api/sessions/\(session)/events") { events in
                    var heard: String?
                    for try await message in events {
                        guard let event = try? JSONDecoder().decode(SessionEvent.self, from: Data(message.data.utf8)) else { continue }
                        switch event.body {
                        case .visitorText(let said) where said.source == .speech: heard = said.text
                        case .decision where heard != nil: return heard
                        default: continue
                        }
                    }
                    return nil
                }
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let answered = try await group.next() ?? nil
            group.cancelAll()
            return answered
        }
    }

    private func waitForEnd(_ session: String, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await backend.get("/api/sessions/\(session)").json["session"]?["status"]?.stringValue == "ended" { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

/// Reads every process of the installation (`cinema up` and all it started) and its files.
struct SoakSampler: Sendable {
    let root: Int32
    let home: String

    struct Process: Sendable {
        var role: String
        var rssMiB: Double
        var descriptors: Int
        var threads: Int
    }

    struct Sample: Sendable {
        var minute: Double
        var processes: [Process]
        var files: [String: Double]

        var line: String {
            let parts = processes.map { String(format: "%@ %.0f MiB %d fds %d threads", $0.role, $0.rssMiB, $0.descriptors, $0.threads) }
            return String(format: "%.1f min: ", minute) + parts.joined(separator: "; ")
        }
    }

    func sample(at elapsed: Duration) -> Sample {
        var processes: [Process] = []
        for pid in descendants(of: root) {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            func field(_ name: String) -> Double {
                let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
                return Double(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
            }
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
            processes.append(Process(role: role(of: pid), rssMiB: field("VmRSS") / 1024, descriptors: descriptors, threads: Int(field("Threads"))))
        }
        var files: [String: Double] = [:]
        for name in ["library.sqlite", "backend.sqlite", "station.sqlite"] {
            let size = [name, name + "-wal"].reduce(0.0) { sum, file in
                let attributes = try? FileManager.default.attributesOfItem(atPath: home + "/" + file)
                return sum + Double((attributes?[.size] as? NSNumber)?.intValue ?? 0)
            }
            files[name] = size / 1_048_576
        }
        let (seconds, attoseconds) = elapsed.components
        return Sample(minute: (Double(seconds) + Double(attoseconds) / 1e18) / 60, processes: processes, files: files)
    }

    private func role(of pid: Int32) -> String {
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        let arguments = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        let program = (arguments.first ?? "").split(separator: "/").last.map(String.init) ?? "?"
        if program == "cinema", arguments.count > 1 { return "cinema " + arguments[1] }
        if program.hasPrefix("python") { return "model service" }
        return program
    }

    private func descendants(of root: Int32) -> [Int32] {
        var parents: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { continue }
            let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
            if fields.count > 1, let parent = Int32(fields[1]) { parents[parent, default: []].append(pid) }
        }
        var found = [root]
        var index = 0
        while index < found.count {
            found += parents[found[index]] ?? []
            index += 1
        }
        return found
    }
}

/// The figures: growth after the warm-up, per process role and per file, and the visits.
struct SoakReport {
    let outcome: SoakOutcome
    let exitStatus: Int32

    var markdown: String {
        let samples = outcome.samples.sorted { $0.minute < $1.minute }
        let warm = samples.first { $0.minute >= 10 } ?? samples.first
        let last = samples.last
        var rows: [[String]] = []
        let roles = Set(samples.flatMap { $0.processes.map(\.role) }).sorted()
        for role in roles {
            func total(_ sample: SoakSampler.Sample?, _ value: (SoakSampler.Process) -> Double) -> Double {
                (sample?.processes.filter { $0.role == role }.map(value) ?? []).reduce(0, +)
            }
            let peak = samples.map { total($0) { $0.rssMiB } }.max() ?? 0
            rows.append([
                role,
                String(format: "%.0f → %.0f (peak %.0f)", total(warm) { $0.rssMiB }, total(last) { $0.rssMiB }, peak),
                String(format: "%.0f → %.0f", total(warm) { Double($0.descriptors) }, total(last) { Double($0.descriptors) }),
                String(format: "%.0f → %.0f", total(warm) { Double($0.threads) }, total(last) { Double($0.threads) }),
            ])
        }
        for file in ["library.sqlite", "backend.sqlite", "station.sqlite"] {
            rows.append([file, String(format: "%.2f → %.2f MiB", warm?.files[file] ?? 0, last?.files[file] ?? 0), "", ""])
        }
        let visits = outcome.visits
        let answered = visits.filter(\.answered).count
        let ended = visits.filter(\.ended).count
        let lost = visits.map(\.lostEvents).reduce(0, +)
        let problems = visits.compactMap(\.problem)
        var text = Table.markdown(
            header: ["process (or file)", String(format: "RSS MiB, minute %.0f → end", warm?.minute ?? 0), "descriptors", "threads"],
            rows: rows
        )
        text += "\n\nVisits: \(visits.count); answered by a clip for the spoken question: \(answered); ended by hanging up: \(ended); "
        text += "events lost: \(lost); sessions still live at the end: \(outcome.liveAtEnd); cinema up exit status after Ctrl-C: \(exitStatus)"
        let durations = Percentiles(visits.map(\.seconds))
        text += String(format: "\nA visit, lift to the session's end: p50 %.0f s, p99 %.0f s", durations.p50, durations.p99)
        if !problems.isEmpty { text += "\nProblems (first 5): " + problems.prefix(5).joined(separator: "; ") }
        let heard = visits.prefix(5).map { "\"\($0.question)\" → \($0.heard.map { "\"\($0)\"" } ?? "(no answer)")" }
        text += "\nHeard (first 5): " + heard.joined(separator: "; ")
        return text
    }
}

/// The samples as lines over time: RSS per process role, and descriptors and threads in all.
struct SoakPlot {
    let samples: [SoakSampler.Sample]

    var svg: String {
        let width = 900.0
        let height = 260.0
        let margin = 50.0
        let minutes = max(1, samples.map(\.minute).max() ?? 1)
        let roles = Set(samples.flatMap { $0.processes.map(\.role) }).sorted()
        var series: [(name: String, unit: String, values: [(Double, Double)])] = roles.map { role in
            (role, "MiB", samples.map { sample in (sample.minute, sample.processes.filter { $0.role == role }.map(\.rssMiB).reduce(0, +)) })
        }
        series.append(("descriptors, all", "", samples.map { ($0.minute, Double($0.processes.map(\.descriptors).reduce(0, +))) }))
        series.append(("threads, all", "", samples.map { ($0.minute, Double($0.processes.map(\.threads).reduce(0, +))) }))
        let colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        var body = ""
        for (index, line) in series.enumerated() {
            let top = Double(index) * (height + 30)
            let peak = max(1, line.values.map(\.1).max() ?? 1) * 1.1
            let points = line.values.map { minute, value in
                String(format: "%.1f,%.1f", margin + minute / minutes * (width - 2 * margin), top + height - value / peak * (height - 40))
            }
            body += """
                <g><text x="\(margin)" y="\(top + 20)" font-size="14">\(line.name) (\(line.unit.isEmpty ? "count" : line.unit); peak \(String(format: "%.0f", peak / 1.1)))</text>
                <line x1="\(margin)" y1="\(top + height)" x2="\(width - margin)" y2="\(top + height)" stroke="#999"/>
                <text x="\(width - margin)" y="\(top + height + 15)" font-size="11" text-anchor="end">\(String(format: "%.0f", minutes)) min</text>
                <polyline fill="none" stroke="\(colours[index % colours.count])" stroke-width="2" points="\(points.joined(separator: " "))"/></g>

                """
        }
        let total = Double(series.count) * (height + 30)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(total))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }
}
