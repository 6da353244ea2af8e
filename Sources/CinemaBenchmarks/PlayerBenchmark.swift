import ArgumentParser
import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `POST /play` → playback started, on a real `cinema player` (headless mpv), for the demo
/// films' own clips and for a long film whose keyframes are far apart, with the remedies the
/// indexer or the demo generator could apply to it.
struct PlayerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "player",
        abstract: "Benchmark the player: POST /play until mpv reports playback started, per kind of film."
    )

    @Option(help: "A folder of demo films (cinema demo's output); made afresh in a scratch folder when not given.")
    var demo: String?

    @Option(help: "Plays per kind of film.")
    var plays = 40

    @Option(help: "Length of the long film, in minutes.")
    var longMinutes = 6

    @Option(help: "Seconds between keyframes in the long film as it would come from a careless encoder.")
    var sparseKeyframes = 60

    @Option(help: "The cinema binary to run (default: the one beside this benchmark).")
    var cinema: String?

    struct Kind: Sendable {
        var name: String
        var clips: [(path: String, start: Double, end: Double)]
        var keyframes: KeyframeGaps
    }

    func run() async throws {
        let scratch = FileManager.default.temporaryDirectory.path + "/cinema-bench-player-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var made: [Kind] = []
        let demoDirectory = try await ScratchHome.demoFilms(demo, in: scratch)
        let demoClips = try await Self.clips(indexing: demoDirectory, into: scratch + "/demo-library.sqlite")
        made.append(Kind(name: "demo films (their own clips)", clips: demoClips, keyframes: try await KeyframeGaps.of(Set(demoClips.map(\.path)))))

        // The same spans of one long film, encoded three ways. Forced keyframes go on the frame
        // at or before each start: one just after it would leave the seek to the one before.
        var random = SeededRandom(seed: 7)
        let seconds = Double(longMinutes * 60)
        let spans = (0..<plays).map { _ in
            let start = (Double.random(in: 5..<(seconds - 10), using: &random) * 10).rounded() / 10
            return (start: start, end: start + 3)
        }
        let encodings: [(String, [String])] = [
            ("long film, a keyframe every \(sparseKeyframes) s", ["-g", "\(sparseKeyframes * 25)", "-keyint_min", "\(sparseKeyframes * 25)"]),
            (
                "same, keyframes forced at each clip's start",
                [
                    "-g", "\(sparseKeyframes * 25)", "-force_key_frames",
                    spans.map { String(format: "%.2f", ($0.start * 25).rounded(.down) / 25) }.joined(separator: ","),
                ]
            ),
            ("same, a keyframe every 2 s", ["-g", "50", "-keyint_min", "50"]),
        ]
        for (index, (name, options)) in encodings.enumerated() {
            let path = scratch + "/long-\(index).mp4"
            try? FileHandle.standardError.write(contentsOf: Data("Encoding \(name)…\n".utf8))
            try await Self.encodeLongFilm(at: path, seconds: seconds, options: options)
            made.append(Kind(name: name, clips: spans.map { (path, $0.start, $0.end) }, keyframes: try await KeyframeGaps.of([path])))
        }
        // The sparse film as `cinema index --prepare-seeks` prepares it.
        let sparse = scratch + "/long-0.mp4"
        let prepared = scratch + "/long-0.seek.mp4"
        try? FileHandle.standardError.write(contentsOf: Data("Preparing the sparse film as --prepare-seeks does…\n".utf8))
        let preparation = SeekPreparation(database: try LibraryDatabase.open(path: scratch + "/prepare.sqlite"))
        try await preparation.encode(
            sparse,
            clipStarts: spans.map(\.start),
            keyframes: try await KeyframeSurvey().keyframes(of: sparse),
            to: prepared
        )
        made.append(
            Kind(
                name: "same as prepared by --prepare-seeks (veryfast, crf 20)",
                clips: spans.map { (prepared, $0.start, $0.end) },
                keyframes: try await KeyframeGaps.of([prepared])
            )
        )

        print("# cinema-bench player — \(plays) plays per kind, idle static between plays, \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        let home = scratch + "/home"
        let kinds = made
        let plays = self.plays
        let executable = cinema ?? CinemaExecutable.path
        let (results, _) = try await ServerProcess.run(
            ["player", "--port", "0", "--headless", "--log-level", "error"],
            environment: ["CINEMA_HOME": home],
            executable: executable
        ) { server in
            let http = HTTPTestClient(base: server.base)
            // The first play after mpv starts loads its decoders and output: timed apart.
            let clock = ContinuousClock()
            let first = kinds[0].clips[0]
            let sent = clock.now
            _ = try await http.post("/play", #"{"video_path": "\#(first.path)", "start": \#(first.start), "end": \#(first.end)}"#)
            let cold = clock.now - sent
            print("first play after the player started (cold): \(cold)\n")
            _ = try await http.post("/stop", "")
            var results: [(Kind, Percentiles, Percentiles, Int)] = []
            for kind in kinds {
                var latencies: [Double] = []
                var offsets: [Double] = []
                var failures = 0
                for clip in kind.clips.prefix(plays) {
                    let clock = ContinuousClock()
                    let sent = clock.now
                    let reply = try await http.post(
                        "/play",
                        #"{"video_path": "\#(clip.path)", "start": \#(clip.start), "end": \#(clip.end)}"#
                    )
                    let elapsed = clock.now - sent
                    guard reply.status == 200 else {
                        failures += 1
                        continue
                    }
                    latencies.append(elapsed / .milliseconds(1))
                    offsets.append(((reply.json["position"]?.doubleValue ?? clip.start) - clip.start) * 1000)
                    _ = try await http.post("/stop", "")
                }
                results.append((kind, Percentiles(latencies), Percentiles(offsets), failures))
            }
            try server.send(SIGTERM)
            return results
        }
        print(
            Table.markdown(
                header: ["films", "keyframe gap median / max s", "plays", "p50 ms", "p99 ms", "max ms", "time-pos − start p50 / max ms", "failed"],
                rows: results.map { kind, latency, offset, failures in
                    [
                        kind.name,
                        String(format: "%.1f / %.1f", kind.keyframes.medianGap, kind.keyframes.maxGap),
                        "\(latency.count)",
                        String(format: "%.0f", latency.p50),
                        String(format: "%.0f", latency.p99),
                        String(format: "%.0f", latency.max),
                        String(format: "%.0f / %.0f", offset.p50, offset.max),
                        "\(failures)",
                    ]
                }
            )
        )
    }

    /// Every clip of the films in `directory`, as the library cuts them.
    static func clips(indexing directory: String, into path: String) async throws -> [(path: String, start: Double, end: Double)] {
        let library = try LibraryDatabase.open(path: path)
        _ = try await Indexer(database: library, probe: MediaProbe(), logger: Logger(label: "bench")).index([directory])
        var clips: [(String, Double, Double)] = []
        for id in 1...max(1, try await library.maxClipID()) {
            if let clip = try await library.clip(id: id), let video = clip.videoPath { clips.append((video, clip.start, clip.end)) }
        }
        // Spread over the films rather than all of the first.
        var random = SeededRandom(seed: 3)
        return clips.shuffled(using: &random)
    }

    static func encodeLongFilm(at path: String, seconds: Double, options: [String]) async throws {
        let ffmpeg = ExternalTool(name: "ffmpeg", executable: "ffmpeg", installHint: "sudo apt-get install ffmpeg")
        _ = try await ffmpeg.run(
            [
                "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=frequency=330:duration=\(seconds)",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-x264-params", "scenecut=0",
            ] + options + ["-c:a", "aac", "-shortest", path],
            timeout: .seconds(900)
        )
    }
}

/// How far apart the keyframes of some videos are, all gaps taken together: what a seek must
/// decode through before it can show the first frame of a clip.
struct KeyframeGaps: Sendable {
    var medianGap: Double
    var maxGap: Double

    static func of(_ paths: Set<String>) async throws -> KeyframeGaps {
        let survey = KeyframeSurvey()
        var gaps: [Double] = []
        for path in paths { gaps += try await survey.keyframes(of: path).gaps }
        let sorted = gaps.sorted()
        return KeyframeGaps(medianGap: sorted.isEmpty ? 0 : sorted[sorted.count / 2], maxGap: sorted.last ?? 0)
    }
}
