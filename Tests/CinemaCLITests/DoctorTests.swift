import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `cinema doctor` on real homes, each broken on purpose in one way, run as an installer would
/// run it.
@Suite("cinema doctor", .timeLimit(.minutes(2)))
struct DoctorTests {
    struct Report: Decodable {
        struct Check: Decodable {
            var name: String
            var status: String
            var found: String
            var fix: String?
        }

        var canRun: Bool
        var checks: [Check]

        func check(_ name: String) -> Check? { checks.first { $0.name == name } }
    }

    /// The roles' ports are 0 ("pick a free one") unless a test says otherwise: the machine's own
    /// 3000, 8765 and 5000 may be anyone's.
    static func doctor(
        home: String,
        _ variables: [String: String] = [:],
        arguments: [String] = []
    ) async throws -> (
        status: Int32, report: Report
    ) {
        var environment = ["CINEMA_HOME": home, "CINEMA_BACKEND_PORT": "0", "CINEMA_STATION_PORT": "0", "CINEMA_PLAYER_PORT": "0"]
        environment.merge(variables) { $1 }
        let run = try await CinemaExecutable.run(["doctor", "--json"] + arguments, environment: environment)
        let report = try JSONDecoder().decode(Report.self, from: Data(run.standardOutput.utf8))
        return (run.status, report)
    }

    /// A check that failed, named, with what was found and a fix.
    static func failed(_ report: Report, _ name: String) -> Report.Check? {
        guard let check = report.check(name), check.status == "failed", check.fix?.isEmpty == false else { return nil }
        return check
    }

    @Test("A library whose films are all there can run; once a film's video is deleted, doctor names it and says to index again")
    func missingVideo() async throws {
        try await TemporaryDirectory.with { directory in
            let (home, video) = try await EndToEndClientTests.home(directory)
            let good = try await Self.doctor(home: home)
            #expect(good.status == 0, "\(good.report.checks.filter { $0.status == "failed" }.map(\.found))")
            #expect(good.report.canRun)
            #expect(good.report.check("library")?.status == "ok")
            #expect(good.report.check("ffmpeg")?.found.contains("ffmpeg version") == true)
            #expect(["ok", "warning"].contains(good.report.check("mpv")?.status))
            #expect(good.report.checks.count == 12)

            let human = try await CinemaExecutable.run(
                ["doctor"],
                environment: ["CINEMA_HOME": home, "CINEMA_BACKEND_PORT": "0", "CINEMA_STATION_PORT": "0", "CINEMA_PLAYER_PORT": "0"]
            )
            #expect(human.status == 0)
            #expect(human.standardOutput.contains("✓ library: "))
            #expect(human.standardOutput.contains("the installation can run"))

            try FileManager.default.removeItem(atPath: video)
            let broken = try await Self.doctor(home: home)
            #expect(broken.status == 1)
            #expect(!broken.report.canRun)
            let library = try #require(Self.failed(broken.report, "library"))
            #expect(library.found.contains("Evening") && library.found.contains(video))
            #expect(library.fix?.contains("cinema index") == true)
        }
    }

    @Test("Without ffmpeg on PATH, ffmpeg and ffprobe fail with the PATH searched and how to install them")
    func noFFmpeg() async throws {
        try await TemporaryDirectory.with { directory in
            let empty = try directory.makeDirectory("bin")
            let (status, report) = try await Self.doctor(home: directory.file("home"), ["PATH": empty])
            #expect(status == 1)
            for tool in ["ffmpeg", "ffprobe"] {
                let check = try #require(Self.failed(report, tool))
                #expect(check.found.contains(empty))
                #expect(check.fix?.contains("apt-get install ffmpeg") == true)
            }
        }
    }

    @Test("A port held by another program fails, naming the port and the setting that moves the role")
    func portTaken() async throws {
        try await TemporaryDirectory.with { directory in
            let listener = try HeldPort()
            defer { listener.close() }
            let (status, report) = try await Self.doctor(home: directory.file("home"), ["CINEMA_BACKEND_PORT": "\(listener.port)"])
            #expect(status == 1)
            let check = try #require(Self.failed(report, "backend port"))
            #expect(check.found.contains("127.0.0.1:\(listener.port)") && check.found.contains("another program"))
            #expect(check.fix?.contains("CINEMA_BACKEND_PORT") == true)
            #expect(report.check("station port")?.status == "ok")
        }
    }

    @Test("A backend URL nobody answers at fails, naming the URL")
    func backendUnreachable() async throws {
        try await TemporaryDirectory.with { directory in
            let listener = try HeldPort()
            let url = "http://127.0.0.1:\(listener.port)"
            listener.close()
            let (status, report) = try await Self.doctor(home: directory.file("home"), arguments: ["--backend", url])
            #expect(status == 1)
            let check = try #require(Self.failed(report, "backend"))
            #expect(check.found.contains(url))
            #expect(check.fix?.contains("cinema serve") == true)
        }
    }

    @Test("A running backend is recognised on its port and answers at its URL")
    func runningBackend() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await ServeTests.home(directory)
            let serve = ["serve", "--port", "0", "--log-level", "error", "--speech", "none"]
            let (report, _) = try await ServerProcess.run(serve, environment: ["CINEMA_HOME": home]) { backend in
                try await backend.stopping {
                    try await Self.doctor(home: home, ["CINEMA_BACKEND_PORT": "\(backend.port)"], arguments: ["--backend", backend.base]).report
                }
            }
            #expect(report.check("backend port")?.status == "ok")
            #expect(report.check("backend port")?.found.contains("Cinema Chat's backend, already running") == true)
            #expect(report.check("backend")?.status == "ok")
        }
    }

    @Test("A library file that is not a database fails, naming the file")
    func corruptLibrary() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try directory.makeDirectory("home")
            let path = try directory.write("home/library.sqlite", String(repeating: "not a database at all\n", count: 100))
            let (status, report) = try await Self.doctor(home: home)
            #expect(status == 1)
            let check = try #require(Self.failed(report, "library"))
            #expect(check.found.contains(path) && check.found.contains("not an SQLite database"))
            #expect(check.fix?.contains("Move \(path) aside") == true)
        }
    }

    @Test(
        "A weight file that does not match weights.sha256 is named, and pocketsphinx hears instead",
        .enabled(if: ModelServiceFixture.isInstalled, Comment(rawValue: ModelServiceFixture.missing))
    )
    func damagedWeights() async throws {
        try await TemporaryDirectory.with { directory in
            let weights = try directory.makeDirectory("weights/whisper-base")
            _ = try directory.write("weights/whisper-base/model.bin", "not the published weights")
            let (status, report) = try await Self.doctor(
                home: directory.file("home"),
                ["CINEMA_MODELS_WEIGHTS": directory.file("weights"), "CINEMA_MODELS_PYTHON": ModelServiceFixture.python]
            )
            #expect(status == 0)
            let check = try #require(report.check("model service"))
            #expect(check.status == "warning")
            #expect(check.found.contains(weights + "/model.bin") && check.found.contains("pocketsphinx will hear instead"))
            #expect(check.fix?.contains("install") == true)
        }
    }
}

/// A TCP listener on a free loopback port that accepts nothing: a port some other program holds.
final class HeldPort: Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let descriptor = self.descriptor
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, listening else { throw ServerProcess.Failure(description: "could not listen on loopback (errno \(errno))") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
