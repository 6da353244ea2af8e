import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `cinema up` as the README runs it, and its dashboard in a real browser (Debian's chromium,
/// driven by selenium through chromedriver).
@Suite("cinema up and its dashboard in chromium", .timeLimit(.minutes(5)))
struct EndToEndDashboardTests {
    static let up = ["up", "--port", "0", "--backend-port", "0", "--player-port", "0", "--headless", "--idle", "black", "--speech", "none"]
    static let script = SharedData.packageRoot + "/Tests/Interop/dashboard.py"
    static let python = SharedData.packageRoot + "/.build/python-tools/bin/python"

    /// The browser's tools, or why they are missing; and a fresh path for the screenshot.
    static func prepare(screenshot name: String) throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: python), "run script/test: it installs selenium into \(python)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"), "chromium-driver is missing: run script/bootstrap")
        let artifacts = SharedData.packageRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts + "/" + name
        try? FileManager.default.removeItem(atPath: screenshot)
        return screenshot
    }

    /// The first http:// address in a line the installation printed.
    static func address(in line: String) throws -> String {
        try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(line)")
    }

    /// Processes whose environment has `CINEMA_HOME=home`: whatever this installation started.
    static func processes(of home: String) -> [Int32] {
        let needle = Data("CINEMA_HOME=\(home)\0".utf8)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return environment.range(of: needle) != nil && !status.contains("State:\tZ")
        }
    }

    @Test(
        "An operator's session in chromium: Start, the greeting, a typed line and its answer, a reload that finds the session, a clip chosen by hand, Stop, then a session begun elsewhere followed by itself, then a visit the handset starts and ends; Ctrl-C then leaves no process"
    )
    func operatorSession() async throws {
        let screenshot = try Self.prepare(screenshot: "dashboard.png")

        try await TemporaryDirectory.with { directory in
            // A greeting of 7 s: the page's 5 s refresh of the TV's picture surely falls within it.
            let (home, _) = try await EndToEndClientTests.home(directory, greeting: 7)
            // The visitor's handset: a FIFO the station reads as an input device, held open
            // here so that it has a writer while the page's script writes key records into it.
            let hook = directory.file("handset")
            #expect(mkfifo(hook, 0o600) == 0)
            let holder = open(hook, O_RDWR | O_CLOEXEC)
            defer { close(holder) }
            let up = Self.up + ["--hook", "input:\(hook):KEY_SPACE"]
            let (report, status, log) = try await WatchedProcess.run(up, environment: ["CINEMA_HOME": home]) { up in
                let line = try await up.line(containing: "Open the dashboard:", within: .seconds(120))
                let url = try Self.address(in: line)
                let player = try Self.address(in: try await up.line(containing: "run by the station, at"))
                let mpv = try await HTTPTestClient(base: player).get("/status").json["mpv_pid"]?.int64Value

                let options = #"{"hook": "\#(hook)"}"#
                let run = try await CinemaExecutable.runProgram(Self.python, [Self.script, "operator", url, screenshot, options])
                let running = Self.processes(of: home)
                try up.send(SIGINT)
                return (run.standardOutput, run.standardError, running, mpv)
            }
            let (output, browserErrors, runningBefore, mpv) = report
            let page = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let seen = try #require(page, "the browser script printed no report: \(browserErrors)")
            #expect(
                seen["failed"] is NSNull,
                "a step failed: \(seen["failed"] ?? "") \(seen["error"] ?? "")\ntv: \(seen["tv_note"] ?? "")\nconsole: \(seen["console"] ?? "")"
            )
            #expect(seen["error"] == nil || seen["error"] is NSNull, "\(seen["error"] ?? "")")
            #expect((seen["greeting"] as? String)?.contains("Greeting") == true, "\(seen["greeting"] ?? "none")")
            #expect((seen["greeting"] as? String)?.contains("Evening") == true, "the film's title is shown")
            #expect((seen["answer"] as? String)?.contains("I am nobody at all.") == true, "\(seen["answer"] ?? "none")")
            // Which film line led to the answer, and what found it.
            #expect((seen["answer"] as? String)?.contains("Led by “Who are you?”, found by words") == true, "\(seen["answer"] ?? "none")")
            #expect((seen["after_reload"] as? [String: Any])?["session"] as? String == seen["session"] as? String)
            #expect((seen["search"] as? [String])?.first?.contains("Home, to my mother.") == true, "\(seen["search"] ?? "none")")
            #expect((seen["curated"] as? String)?.contains("Home, to my mother.") == true, "\(seen["curated"] ?? "none")")
            #expect((seen["ended"] as? String)?.contains("Session ended (operator)") == true, "\(seen["ended"] ?? "none")")
            #expect((seen["client_after"] as? String)?.hasPrefix("exited") == true, "\(seen["client_after"] ?? "none")")
            let elsewhere = seen["followed_elsewhere"] as? [String: Any]
            #expect(elsewhere?["shown"] as? String == elsewhere?["expected"] as? String && elsewhere?["expected"] != nil, "\(elsewhere ?? [:])")
            #expect((seen["tv_picture"] as? String)?.hasPrefix("On the TV now, ") == true, "\(seen["tv_picture"] ?? "none")")
            // The handset: lifting it started a visit the page followed, hanging up ended it.
            let handset = seen["handset"] as? [String: Any]
            #expect(handset?["visit"] as? String != handset?["before"] as? String && handset?["visit"] != nil, "\(handset ?? [:])")
            #expect((handset?["ended"] as? String)?.contains("Session ended (operator)") == true, "\(handset ?? [:])")
            #expect(FileManager.default.fileExists(atPath: screenshot), "the screenshot is kept at \(screenshot)")

            // Ctrl-C: everything stops, and nothing the installation started is left.
            #expect(status == 0, "cinema up exited \(status): \(log.suffix(20).joined(separator: "\n"))")
            #expect(log.contains { $0.contains("Cinema Chat stopped.") })
            #expect(runningBefore.count >= 2, "mpv and the client ran: \(runningBefore)")
            if let mpv { #expect(kill(Int32(mpv), 0) != 0, "mpv (PID \(mpv)) is gone") }
            #expect(Self.processes(of: home).isEmpty, "left behind: \(Self.processes(of: home))")
        }
    }

    @Test(
        "Beyond loopback, a TV that hears: the kept microphone, the token asked for, both lights, a heard line answered, five crashes and the call for help, a wrong backend, and the installation stopping under the page",
        .tags(.media)
    )
    func listeningSession() async throws {
        let screenshot = try Self.prepare(screenshot: "dashboard-listening.png")
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            // The TV's microphone: quiet while the greeting plays, a question, then quiet.
            let speech = try await MediaFixtures.speech("who are you", in: directory)
            let silence = [Int16](repeating: 0, count: 16_000 * 5)
            let wav = try directory.write("mic.wav", WAVFile(sampleRate: 16_000, samples: silence + speech + silence).bytes)
            let arguments = [
                // Default hearing: Whisper through the model service, as script/run starts it.
                "up", "--host", "0.0.0.0", "--port", "0", "--backend-port", "0", "--player-port", "0", "--headless", "--idle", "black",
            ]
            let environment = ["CINEMA_HOME": home, "CINEMA_AUDIO_FILE": wav]
            let (outcome, status, log) = try await WatchedProcess.run(arguments, environment: environment) { up in
                let url = try Self.address(in: try await up.line(containing: "Open the dashboard:", within: .seconds(180)))
                let token = try String(contentsOfFile: home + "/operator-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                // The microphone an operator chose weeks ago, when a USB microphone was plugged in.
                let chosen = try await HTTPTestClient(base: url)
                    .post("/api/audio-device", #"{"device_id": "plughw:1,0"}"#, headers: ["authorization": "Bearer \(token)"])
                #expect(chosen.status == 200, "\(chosen.text)")

                let options = String(decoding: try JSONSerialization.data(withJSONObject: ["token": token, "up_pid": up.processID]), as: UTF8.self)
                let run = try await CinemaExecutable.runProgram(Self.python, [Self.script, "listening", url, screenshot, options])
                if !run.standardOutput.contains(#""stopped_up": true"#) { try up.send(SIGINT) }
                // Said within a minute, or the test fails here with the log's end.
                try await up.line(containing: "Cinema Chat stopped.", within: .seconds(60))
                return (run.standardOutput, run.standardError, url)
            }
            let (output, browserErrors, url) = outcome
            let page = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
            let seen = try #require(page, "the browser script printed no report: \(browserErrors)")
            #expect(seen["failed"] is NSNull, "a step failed: \(seen["failed"] ?? "") \(seen["error"] ?? "")\nconsole: \(seen["console"] ?? "")")
            #expect(seen["error"] == nil || seen["error"] is NSNull, "\(seen["error"] ?? "") \(seen["error_page"] ?? "")")

            // Opened by the machine's address, the page reaches the backend by that address too.
            let backendURL = try #require(seen["backend_url"] as? String)
            #expect(URL(string: backendURL)?.host == URL(string: url)?.host, "page \(url), backend \(backendURL)")
            #expect((seen["microphone_kept"] as? String)?.contains("plughw:1,0 (kept; not present now)") == true, "\(seen["microphone_kept"] ?? "")")
            #expect((seen["microphone_note"] as? String)?.contains("No capture device found") == true, "\(seen["microphone_note"] ?? "")")
            #expect((seen["without_token"] as? String)?.contains("operator token") == true, "\(seen["without_token"] ?? "")")

            #expect((seen["heard"] as? String)?.contains("Visitor (heard)") == true, "\(seen["heard"] ?? "")")
            // Heard word for word, by Whisper, and the dashboard says so.
            #expect((seen["heard"] as? String)?.lowercased().contains("who are you") == true, "\(seen["heard"] ?? "")")
            #expect(seen["hearing"] as? String == "hearing: whisper base", "\(seen["hearing"] ?? "")")
            let lights = (seen["lights"] as? [[String: Any]] ?? []).map { ($0["light"] as? String ?? "", $0["on"] as? Bool ?? false) }
            #expect(
                lights.contains { $0 == ("muted", true) } && lights.contains { $0 == ("muted", false) },
                "muted while the greeting played: \(lights)"
            )
            #expect(lights.contains { $0 == ("speaking", true) } && lights.contains { $0 == ("speaking", false) }, "speaking while heard: \(lights)")

            let firstRestart = seen["after_first_kill"] as? [String: Any]
            #expect(firstRestart?["restarts"] as? String == "1" && firstRestart?["state"] as? String == "running", "\(firstRestart ?? [:])")
            #expect((seen["needs_help"] as? String)?.contains("failed 5 times") == true, "\(seen["needs_help"] ?? "")")
            let afterKills = seen["client_after_kills"] as? [String: Any]
            #expect(Int(afterKills?["restarts"] as? String ?? "") ?? 0 >= 5, "\(afterKills ?? [:])")

            let wrong = seen["wrong_backend"] as? [String: Any]
            #expect((wrong?["banner"] as? String)?.contains("The backend cannot be reached at http://127.0.0.1:9") == true, "\(wrong ?? [:])")
            #expect(wrong?["chip"] as? String == "backend unreachable")
            let stationDown = seen["station_down"] as? [String: Any]
            #expect((stationDown?["banner"] as? String)?.contains("station cannot be reached") == true, "\(stationDown ?? [:])")
            #expect(seen["backend_down"] as? String == "backend unreachable")
            #expect(FileManager.default.fileExists(atPath: screenshot))

            // Stopped under the page: clean, and nothing left, the killed clients' successors included.
            #expect(status == 0, "cinema up exited \(status): \(log.suffix(20).joined(separator: "\n"))")
            #expect(log.contains { $0.contains("Cinema Chat stopped.") })
            #expect(Self.processes(of: home).isEmpty, "left behind: \(Self.processes(of: home))")
        }
    }

    @Test(
        "A foreign page in the operator's browser can neither start a client nor create a session: not from another local origin, not under a foreign name, not by rebinding that name to this machine"
    )
    func foreignPage() async throws {
        _ = try Self.prepare(screenshot: "unused.png")
        let script = SharedData.packageRoot + "/Tests/Interop/foreign_page.py"
        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            let (report, status, log) = try await WatchedProcess.run(Self.up, environment: ["CINEMA_HOME": home]) { up in
                let url = try Self.address(in: try await up.line(containing: "Open the dashboard:", within: .seconds(120)))
                let station = try await HTTPTestClient(base: url).get("/api/station").json
                let backend = try #require(station["backendUrl"]?.stringValue)
                let name = try #require(station["name"]?.stringValue)
                let run = try await CinemaExecutable.runProgram(Self.python, [script, url, backend, name])
                try up.send(SIGINT)
                return (run.standardOutput, run.standardError)
            }
            let parsed = (try? JSONSerialization.jsonObject(with: Data(report.0.utf8))) as? [String: Any]
            let seen = try #require(parsed, "the browser script printed no report: \(report.1)")
            let attempts = seen["attempts"] as? [String: Any] ?? [:]
            #expect(attempts.count == 2, "the page ran from both origins: \(attempts)")
            #expect((seen["clients"] as? [Any])?.isEmpty == true, "no client was started: \(seen["clients"] ?? "") after \(attempts)")
            #expect((seen["sessions"] as? [Any])?.isEmpty == true, "no session was created: \(seen["sessions"] ?? "") after \(attempts)")
            #expect(seen["operator_connect"] as? Int == 200, "the operator can still start a session")
            #expect((seen["rebound_page"] as? String)?.contains("host-not-allowed") == true, "\(seen["rebound_page"] ?? "")")
            #expect(status == 0, "\(log.suffix(10))")
        }
    }
}
