import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Running unattended under systemd", .timeLimit(.minutes(3)))
struct SystemdTests {
    // MARK: Telling systemd

    @Test("cinema serve says READY=1 once it answers HTTP, pets the watchdog, stops petting when hung, and says STOPPING=1 on SIGTERM")
    func backendNotifies() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await ServeTests.home(directory)
            try await NotifySocket.with(directory.file("notify")) { systemd in
                let environment = ["CINEMA_HOME": home, "NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "1000000"]
                let (_, status) = try await ServerProcess.run(
                    ["serve", "--port", "0", "--speech", "none", "--log-level", "error"],
                    environment: environment
                ) { server in
                    try await Self.expectSupervised(server, by: systemd)
                }
                #expect(status == 0)
            }
        }
    }

    @Test("cinema player does the same over an abstract socket, and a WATCHDOG_PID of another process is left to it")
    func playerNotifies() async throws {
        try await TemporaryDirectory.with { directory in
            let abstract = "@cinema-test-\(UUID().uuidString)"
            try await NotifySocket.with(abstract) { systemd in
                let arguments = ["player", "--port", "0", "--headless", "--idle", "black", "--log-level", "error"]
                var environment = ["CINEMA_HOME": directory.file("home"), "NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "1000000"]
                let (_, status) = try await ServerProcess.run(arguments, environment: environment) { server in
                    try await Self.expectSupervised(server, by: systemd)
                }
                #expect(status == 0)

                // The watchdog of another process (the station's, seen by a child) is not ours to pet.
                let before = systemd.messages.count
                environment["WATCHDOG_PID"] = "1"
                let (_, other) = try await ServerProcess.run(arguments, environment: environment) { server in
                    try await systemd.message(with: "READY=1", after: before)
                    try await Task.sleep(for: .seconds(1.5))
                    try server.send(SIGTERM)
                    try await systemd.message(with: "STOPPING=1", after: before)
                }
                #expect(other == 0)
                #expect(!systemd.messages.dropFirst(before).contains { $0.fields.contains("WATCHDOG=1") })
            }
        }
    }

    @Test("cinema up says READY=1 only once its backend, station and player all listen, and pets for all three")
    func upNotifies() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await ServeTests.home(directory)
            try await NotifySocket.with(directory.file("notify")) { systemd in
                let arguments = [
                    "up", "--port", "0", "--backend-port", "0", "--player-port", "0", "--speech", "none", "--headless", "--idle", "black",
                    "--log-level", "error",
                ]
                let environment = ["CINEMA_HOME": home, "NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "1000000"]
                let (_, status, log) = try await WatchedProcess.run(arguments, environment: environment) { process in
                    try await systemd.message(with: "READY=1")
                    // Each says it listens before it counts as ready (the lines come over a pipe
                    // that may be read after the datagram arrives, hence the waits).
                    for line in ["backend listening on", "station listening on", "player, run by the station, at", "Cinema Chat is up"] {
                        try await process.line(containing: line, within: .seconds(5))
                    }
                    try await systemd.message(with: "WATCHDOG=1")
                    try process.send(SIGTERM)
                    try await systemd.message(with: "STOPPING=1")
                }
                #expect(status == 0, "\(log.suffix(10))")
            }
        }
    }

    /// What systemd must see from a role with `WATCHDOG_USEC=1000000`.
    static func expectSupervised(_ server: ServerProcess, by systemd: NotifySocket) async throws {
        let ready = try await systemd.message(with: "READY=1")
        #expect(ready.fields.contains { $0.hasPrefix("STATUS=") })
        // Ready means serving: the port answers HTTP (the player's /health may say 503 while its
        // mpv starts; an answer is what counts, as for the watchdog).
        let health = try await HTTPTestClient(base: server.base).get("/health")
        #expect([200, 503].contains(health.status), "\(health.status)")
        #expect(systemd.messages.first?.fields.contains("READY=1") == true, "nothing before READY=1: \(systemd.messages.map(\.text))")

        // Pets every half second, each after the role answered its own /health.
        let start = systemd.messages.count
        try await systemd.message(with: "WATCHDOG=1", after: start)
        try await systemd.message(with: "WATCHDOG=1", after: systemd.messages.count)
        try await systemd.message(with: "WATCHDOG=1", after: systemd.messages.count)
        let pets = systemd.messages.dropFirst(start).filter { $0.fields.contains("WATCHDOG=1") }.map(\.arrived)
        for (earlier, later) in zip(pets, pets.dropFirst()) {
            #expect(later - earlier < .seconds(1), "a pet must come within the 1 s watchdog")
        }

        // A process that no longer runs (as a hung one would not answer) stops petting: systemd
        // would kill it after WATCHDOG_USEC.
        try server.send(SIGSTOP)
        // A pet sent just before the stop may still be on its way through the socket.
        try await Task.sleep(for: .milliseconds(300))
        let stopped = systemd.messages.count
        try await Task.sleep(for: .seconds(1.2))
        #expect(systemd.messages.count == stopped, "no pets from a stopped process: \(systemd.messages.dropFirst(stopped).map(\.text))")
        try server.send(SIGCONT)
        try await systemd.message(with: "WATCHDOG=1", after: stopped)

        let running = systemd.messages.count
        try server.send(SIGTERM)
        try await systemd.message(with: "STOPPING=1", after: running)
    }

    @Test("Under systemd log lines carry no time of their own; run by hand they do")
    func journalLines() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await ServeTests.home(directory)
            // A socket nobody listens on: the warning is a log line to look at.
            let base = ["CINEMA_HOME": home, "NOTIFY_SOCKET": directory.file("nobody-listens")]
            for (invocation, stamped) in [(true, false), (false, true)] {
                let environment = invocation ? base.merging(["INVOCATION_ID": "0123456789abcdef"]) { $1 } : base
                let (line, status, _) = try await WatchedProcess.run(["serve", "--port", "0", "--speech", "none"], environment: environment) {
                    process in
                    try await process.line(containing: "listening on")
                    let line = try await process.line(containing: "Could not notify systemd")
                    try process.send(SIGTERM)
                    return line
                }
                #expect(status == 0)
                #expect(line.hasPrefix("warning cinema:") == !stamped, "\(line)")
                #expect((line.first?.isNumber ?? false) == stamped, "\(line)")
            }
        }
    }

    @Test("When standard error is the journal's stream, each log line starts with its syslog priority")
    func journalPriorities() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await ServeTests.home(directory)
            let logPath = try directory.write("journal", "")
            let journal = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            var status = stat()
            #expect(fstat(journal.fileDescriptor, &status) == 0)
            try await NotifySocket.with(directory.file("notify")) { systemd in
                // Foundation's Process, for a standard error that is this very file.
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CinemaExecutable.path)
                process.arguments = ["serve", "--port", "0", "--speech", "none", "--log-level", "info"]
                process.environment = [
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "CINEMA_HOME": home,
                    "CINEMA_EMBEDDINGS_ENABLED": "false", "NOTIFY_SOCKET": systemd.address, "JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino)",
                ]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = journal
                let exited = OneShot<Int32>()
                process.terminationHandler = { exited.fulfil(.success($0.terminationStatus)) }
                try process.run()
                do {
                    try await systemd.message(with: "READY=1")
                } catch {
                    process.terminate()
                    throw error
                }
                process.terminate()
                #expect(try await exited.value() == 0)
            }
            try journal.close()
            let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                #expect(line.wholeMatch(of: /<[0-7]>(trace|debug|info|notice|warning|error|critical) \S+:.*/) != nil, "\(line)")
            }
            #expect(lines.contains { $0.hasPrefix("<6>info ") }, "\(lines)")
        }
    }

    // MARK: The units

    @Test("The units cinema install writes for every role pass systemd-analyze verify, and a unit with a typo does not")
    func unitsVerify() async throws {
        try await TemporaryDirectory.with { directory in
            let together = try directory.makeDirectory("together")
            let apart = try directory.makeDirectory("apart")
            for (units, roles) in [(together, ["up"]), (apart, ["backend", "station", "player"])] {
                let install = try await CinemaExecutable.run(
                    ["install", "--units-only", "--units-dir", units, "--binary", CinemaExecutable.path] + roles.flatMap { ["--role", $0] }
                        + ["--", "--host", "0.0.0.0"]
                )
                #expect(install.status == 0, "\(install.standardError)")
                let written = roles.map { "\(units)/cinema-\($0).service" }
                let verify = try await Self.verify(written)
                #expect(verify.status == 0 && verify.standardError.isEmpty, "\(verify.standardError)")

                let text = try String(contentsOfFile: written[0], encoding: .utf8)
                #expect(text.contains("Type=notify\n"))
                #expect(text.contains("ExecStart=\(CinemaExecutable.path) \(roles[0] == "backend" ? "serve" : roles[0]) --host 0.0.0.0\n"))
                #expect(text.contains("WatchdogSec="))
                #expect(text.contains("User=cinema\n"))
                #expect(text.contains("ProtectSystem=strict\n"))
                // The player's screen and sound are devices; the backend needs none.
                #expect(text.contains("PrivateDevices=yes") == (roles[0] == "backend"))
            }

            // The check can fail: a misspelt key is only a warning to systemd, so it is read too.
            let good = try String(contentsOfFile: together + "/cinema-up.service", encoding: .utf8)
            let typo = try directory.write("cinema-typo.service", good.replacingOccurrences(of: "Restart=always", with: "Restrat=always"))
            let verify = try await Self.verify([typo])
            #expect(verify.standardError.contains("Restrat"), "\(verify.standardError)")
            let missing = try directory.write(
                "cinema-missing.service",
                good.replacingOccurrences(of: CinemaExecutable.path, with: "/nonexistent/cinema")
            )
            #expect(try await Self.verify([missing]).status != 0)
        }
    }

    static func verify(_ units: [String]) async throws -> CinemaExecutable.Result {
        try await CinemaExecutable.runProgram("/usr/bin/systemd-analyze", ["verify"] + units)
    }

    @Test("cinema uninstall removes exactly what cinema install wrote, across two installs, and nothing else")
    func uninstallRemovesWhatInstallWrote() async throws {
        try await TemporaryDirectory.with { directory in
            let units = try directory.makeDirectory("units")
            let other = "[Unit]\nDescription=someone else's\n"
            _ = try directory.write("units/other.service", other)
            _ = try directory.write("units/notes.txt", "keep me")

            let first = try await CinemaExecutable.run(["install", "--units-only", "--units-dir", units, "--role", "backend", "--role", "player"])
            #expect(first.status == 0, "\(first.standardError)")
            let second = try await CinemaExecutable.run(["install", "--units-only", "--units-dir", units, "--role", "station"])
            #expect(second.status == 0, "\(second.standardError)")
            #expect(
                try Self.listing(units) == [
                    "cinema-backend.service", "cinema-installed-units.json", "cinema-player.service", "cinema-station.service", "notes.txt",
                    "other.service",
                ]
            )

            let uninstall = try await CinemaExecutable.run(["uninstall", "--units-only", "--units-dir", units])
            #expect(uninstall.status == 0, "\(uninstall.standardError)")
            #expect(try Self.listing(units) == ["notes.txt", "other.service"])
            #expect(try String(contentsOfFile: units + "/other.service", encoding: .utf8) == other)

            let again = try await CinemaExecutable.run(["uninstall", "--units-only", "--units-dir", units])
            #expect(again.status != 0)
            #expect(again.standardError.contains("Nothing to uninstall"), "\(again.standardError)")
        }
    }

    static func listing(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test("cinema install for an existing user prepares its home and, without systemd running, says what to run; without root it says to use sudo")
    func installWithoutSystemd() async throws {
        try await TemporaryDirectory.with { directory in
            let units = directory.file("units")
            let home = directory.file("data")
            let arguments = ["install", "--role", "backend", "--user", "nobody", "--home", home, "--units-dir", units]
            guard geteuid() == 0 else {
                let refused = try await CinemaExecutable.run(arguments)
                #expect(refused.status != 0)
                #expect(refused.standardError.contains("run it as root (sudo"), "\(refused.standardError)")
                return
            }
            let install = try await CinemaExecutable.run(arguments)
            #expect(install.status == 0, "\(install.standardError)")
            // nobody exists, so no user is made; its home is made for it, with its own group.
            #expect(!install.standardOutput.contains("Created the system user"))
            let attributes = try FileManager.default.attributesOfItem(atPath: home)
            #expect(attributes[.ownerAccountName] as? String == "nobody")
            let unit = try String(contentsOfFile: units + "/cinema-backend.service", encoding: .utf8)
            #expect(unit.contains("User=nobody\nGroup=\(attributes[.groupOwnerAccountName] as? String ?? "?")\n"))
            #expect(unit.contains("ReadWritePaths=\(home)\n"))
            if !FileManager.default.fileExists(atPath: "/run/systemd/system") {
                #expect(install.standardOutput.contains("systemd is not running on this machine"), "\(install.standardOutput)")
                #expect(install.standardOutput.contains("systemctl enable --now cinema-backend.service"), "\(install.standardOutput)")
            }

            // A dry run shows the same unit and writes nothing.
            let dry = try await CinemaExecutable.run([
                "install", "--dry-run", "--role", "backend", "--user", "nobody", "--home", home, "--units-dir", directory.file("none"),
            ])
            #expect(dry.status == 0, "\(dry.standardError)")
            #expect(dry.standardOutput.contains(unit))
            #expect(!FileManager.default.fileExists(atPath: directory.file("none")))

            let uninstall = try await CinemaExecutable.run(["uninstall", "--units-dir", units])
            #expect(uninstall.status == 0, "\(uninstall.standardError)")
            #expect(try Self.listing(units).isEmpty)
            #expect(FileManager.default.fileExists(atPath: home), "the data stays")
        }
    }

    @Test("cinema install refuses what would make a broken or unsafe unit, and says what to give instead")
    func installRefusesBadInput() async throws {
        try await TemporaryDirectory.with { directory in
            let units = try directory.makeDirectory("units")
            let cases: [([String], String)] = [
                (["--role", "up", "--home", "relative/home"], "--home must be an absolute path"),
                (["--role", "up", "--home", "/var/lib/cinema chat"], "cannot go into a unit file"),
                (["--role", "up", "--home", "/var/lib/cinema\nExecStartPre=/bin/sh"], "cannot go into a unit file"),
                (["--role", "up", "--user", "Root Admin"], "cannot be a user name"),
                (["--role", "up", "--binary", "/nonexistent/cinema"], "not an executable file"),
                (["--role", "up", "--role", "backend"], "give it alone"),
                (["--role", "up", "--", "--host", "0.0.0.0; rm"], "cannot go into a unit file"),
                ([], "Say which roles"),
            ]
            for (arguments, message) in cases {
                let install = try await CinemaExecutable.run(["install", "--units-only", "--units-dir", units] + arguments)
                #expect(install.status != 0, "\(arguments)")
                #expect(install.standardError.contains(message), "\(arguments): \(install.standardError)")
            }
            #expect(try Self.listing(units).isEmpty)
        }
    }
}
