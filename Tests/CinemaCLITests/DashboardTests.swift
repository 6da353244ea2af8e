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
        "An operator's session in chromium: Start, the greeting, a typed line and its answer, a reload that finds the session, a clip chosen by hand, Stop; Ctrl-C then leaves no process"
    )
    func operatorSession() async throws {
        let python = SharedData.packageRoot + "/.build/python-tools/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "run script/test: it installs selenium into \(python)")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"), "chromium-driver is missing: run script/bootstrap")
        let artifacts = SharedData.packageRoot + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts + "/dashboard.png"
        try? FileManager.default.removeItem(atPath: screenshot)

        try await TemporaryDirectory.with { directory in
            let (home, _) = try await EndToEndClientTests.home(directory)
            let (report, status, log) = try await WatchedProcess.run(Self.up, environment: ["CINEMA_HOME": home]) { up in
                let line = try await up.line(containing: "Open the dashboard:", within: .seconds(120))
                let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(line)")
                let playerLine = try await up.line(containing: "run by the station, at")
                let player = try #require(playerLine.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(playerLine)")
                let mpv = try await HTTPTestClient(base: player).get("/status").json["mpv_pid"]?.int64Value

                let run = try await CinemaExecutable.runProgram(python, [SharedData.packageRoot + "/Tests/Interop/dashboard.py", url, screenshot])
                let running = Self.processes(of: home)
                try up.send(SIGINT)
                return (run.standardOutput, run.standardError, running, mpv)
            }
            let (output, browserErrors, runningBefore, mpv) = report
            let page = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let seen = try #require(page, "the browser script printed no report: \(browserErrors)")
            #expect(seen["failed"] is NSNull, "a step failed: \(seen["failed"] ?? "") \(seen["error"] ?? "")\nconsole: \(seen["console"] ?? "")")
            #expect(seen["error"] == nil || seen["error"] is NSNull, "\(seen["error"] ?? "")")
            #expect((seen["greeting"] as? String)?.contains("Greeting") == true, "\(seen["greeting"] ?? "none")")
            #expect((seen["greeting"] as? String)?.contains("Evening") == true, "the film's title is shown")
            #expect((seen["answer"] as? String)?.contains("I am nobody at all.") == true, "\(seen["answer"] ?? "none")")
            #expect((seen["after_reload"] as? [String: Any])?["session"] as? String == seen["session"] as? String)
            #expect((seen["search"] as? [String])?.first?.contains("Home, to my mother.") == true, "\(seen["search"] ?? "none")")
            #expect((seen["curated"] as? String)?.contains("Home, to my mother.") == true, "\(seen["curated"] ?? "none")")
            #expect((seen["ended"] as? String)?.contains("Session ended (operator)") == true, "\(seen["ended"] ?? "none")")
            #expect((seen["client_after"] as? String)?.hasPrefix("exited") == true, "\(seen["client_after"] ?? "none")")
            #expect(FileManager.default.fileExists(atPath: screenshot), "the screenshot is kept at \(screenshot)")

            // Ctrl-C: everything stops, and nothing the installation started is left.
            #expect(status == 0, "cinema up exited \(status): \(log.suffix(20).joined(separator: "\n"))")
            #expect(log.contains { $0.contains("Cinema Chat stopped.") })
            #expect(runningBefore.count >= 2, "mpv and the client ran: \(runningBefore)")
            if let mpv { #expect(kill(Int32(mpv), 0) != 0, "mpv (PID \(mpv)) is gone") }
            #expect(Self.processes(of: home).isEmpty, "left behind: \(Self.processes(of: home))")
        }
    }
}
