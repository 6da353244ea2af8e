import ArgumentParser
import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What `cinema client` costs on the TV's machine while it streams a microphone: a real
/// backend, player and client, the microphone a WAV of spoken questions played in real time.
struct ClientBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Benchmark the client: CPU and memory while it streams the microphone and plays the answers."
    )

    @Option(help: "A folder of demo films (cinema demo's output); made afresh in a scratch folder when not given.")
    var demo: String?

    @Option(help: "Seconds to stream.")
    var seconds = 60

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    func run() async throws {
        let scratchHome = try await ScratchHome.demo(demo, for: "client")
        defer { scratchHome.remove() }
        let (scratch, home) = (scratchHome.scratch, scratchHome.home)

        // A question every ten seconds, silence between: the room hears a visitor talking.
        let directory = try TemporaryDirectory(path: scratch + "/speech")
        var samples: [Int16] = []
        for (index, question) in SpokenTurnBenchmark.questions.enumerated() where samples.count < seconds * 16_000 {
            let spoken = try await MediaFixtures.speech(question, in: directory)
            let slot = 16_000 * 10 * (index + 1)
            samples += spoken + [Int16](repeating: 0, count: max(0, slot - samples.count - spoken.count))
        }
        let wav = try directory.write("mic.wav", WAVFile(sampleRate: 16_000, samples: samples).bytes)

        print("# cinema-bench client — \(seconds) s of microphone, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        let executable = cinema ?? CinemaExecutable.path
        let environment = ["CINEMA_HOME": home, "CINEMA_BACKEND_IDLE_TIMEOUT": "3600"]
        let seconds = self.seconds
        let (report, _) = try await ServerProcess.run(
            ["serve", "--port", "0", "--log-level", "error"],
            environment: environment,
            executable: executable
        ) {
            backend in
            let (report, _) = try await ServerProcess.run(
                ["player", "--port", "0", "--headless", "--log-level", "error"],
                environment: environment,
                executable: executable
            ) { player in
                let http = HTTPTestClient(base: backend.base)
                let connect = try await http.post("/api/connect", "{}")
                let identifier = connect.json["identifier"]?.stringValue ?? ""
                var client = environment
                client["CINEMA_ROOM_URL"] = connect.json["room_url"]?.stringValue
                client["CINEMA_TOKEN"] = connect.json["token"]?.stringValue
                client["CINEMA_PLAYER_URL"] = player.base
                client["CINEMA_AUDIO_FILE"] = wav
                let (report, status, log) = try await WatchedProcess.run(["client"], environment: client, executable: executable) { process in
                    try await process.line(containing: "bot-ready")
                    let before = ProcessSample(pid: process.processID)
                    let clock = ContinuousClock()
                    let start = clock.now
                    var peak = before.rssMiB
                    // Sampled once a second for the peak; the benchmark's own length, not a wait for an event.
                    while clock.now - start < .seconds(seconds) {
                        try await Task.sleep(for: .seconds(1))
                        peak = max(peak, ProcessSample(pid: process.processID).rssMiB)
                    }
                    let after = ProcessSample(pid: process.processID)
                    let elapsed = clock.now - start
                    _ = try await http.post("/api/sessions/\(identifier)/end", "{}")
                    try await process.line(containing: "session-ended")
                    return (before, after, peak, elapsed / .seconds(1))
                }
                let (before, after, peak, elapsed) = report
                try player.send(SIGTERM)
                return (before: before, after: after, peak: peak, elapsed: elapsed, status: status, log: log)
            }
            try backend.send(SIGTERM)
            return report
        }
        let cpu = (report.after.cpuSeconds - report.before.cpuSeconds) / report.elapsed
        let plays = report.log.filter { $0.contains("play-clip:") }.count
        let started = report.log.filter { $0.contains("clip-started:") }.count
        let heard = report.log.filter { $0.contains("user-transcription:") }.count
        print(
            Table.markdown(
                header: ["what", "value"],
                rows: [
                    ["streamed", String(format: "%.0f s (%d frames of 640 bytes)", report.elapsed, Int(report.elapsed * 50))],
                    [
                        "client CPU",
                        String(format: "%.1f%% of one core (%.2f s of CPU)", cpu * 100, report.after.cpuSeconds - report.before.cpuSeconds),
                    ],
                    [
                        "client memory",
                        String(
                            format: "RSS %.1f MiB at the start, %.1f MiB at the end, peak %.1f MiB",
                            report.before.rssMiB,
                            report.after.rssMiB,
                            max(report.peak, report.after.peakMiB)
                        ),
                    ],
                    ["turns", "\(heard) heard, \(plays) play-clip (greeting included), \(started) started on the player"],
                    ["exit status", "\(report.status)"],
                ]
            )
        )
    }
}
