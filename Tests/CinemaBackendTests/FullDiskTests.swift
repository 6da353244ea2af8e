import CinemaBackend
import CinemaCore
import CinemaTestSupport
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small filesystem of its own (tmpfs), so that the disk really fills.
struct SmallFilesystem: Sendable {
    let path: String

    /// Whether this machine lets the tests mount one (root, in a container that allows it).
    static let available: Bool = {
        let probe = FileManager.default.temporaryDirectory.path + "/cinema-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]) == 0 else { return false }
        return run("/bin/umount", [probe]) == 0
    }()

    static func with<T: Sendable>(size: String, in directory: TemporaryDirectory, _ body: (SmallFilesystem) async throws -> T) async throws -> T {
        let path = try directory.makeDirectory("small")
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]) == 0 else {
            throw ServerProcess.Failure(description: "could not mount a tmpfs at \(path)")
        }
        defer { _ = run("/bin/umount", ["-l", path]) }
        return try await body(SmallFilesystem(path: path))
    }

    /// Fills what is left with one file; returns its path.
    func fill() throws -> String {
        let filler = path + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(count: 16 << 10)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        // What a 16 KiB write could not take, a byte at a time.
        while (try? handle.write(contentsOf: Data(count: 1))) != nil {}
        return filler
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("A backend whose disk fills")
struct FullDiskTests {
    @Test(
        "A full disk fails new sessions with a clear 503 that says so; live ones carry on; freed, it works again, and backend.sqlite is whole",
        .enabled(if: SmallFilesystem.available, "mounting a tmpfs needs root in a container that allows it")
    )
    func fullDisk() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try await BackendTestLibrary.make(in: directory, video: false)
            try await SmallFilesystem.with(size: "1m", in: directory) { disk in
                let home = disk.path + "/home"
                try await BackendHarness.run(home: home, library: library) { backend in
                    let auth = ["Authorization": "Bearer \(backend.operatorToken)"]
                    let first = try await backend.connect(station: "before")
                    let filler = try disk.fill()
                    // SQLite reuses what its files already hold; new sessions soon need more.
                    var refused: HTTPTestClient.Reply?
                    var created = 0
                    for number in 0..<500 where refused == nil {
                        let reply = try await backend.http.post("/api/connect", #"{"station": "s\#(number)"}"#, headers: auth)
                        if reply.status == 200 { created += 1 } else { refused = reply }
                    }
                    guard let full = refused else {
                        Issue.record("500 sessions fitted on a full disk")
                        return
                    }
                    #expect(full.status == 503, "\(full.text)")
                    #expect(full.json["code"]?.stringValue == "store-failed")
                    #expect(full.json["error"]?.stringValue?.contains("is full; nothing was written") == true, "\(full.text)")
                    // The session that was live before goes on.
                    let said = try await backend.http.post("/api/sessions/\(first.identifier)/say", #"{"text": "Who are you?"}"#, headers: auth)
                    #expect(said.status == 200, "\(said.text)")

                    try FileManager.default.removeItem(atPath: filler)
                    let after = try await backend.http.post("/api/connect", #"{"station": "after"}"#, headers: auth)
                    #expect(after.status == 200, "\(after.text)")
                    let listed = try await backend.http.get("/api/sessions?status=live&limit=500", headers: auth)
                    guard case .array(let sessions) = listed.json["sessions"] else { throw ServerProcess.Failure(description: listed.text) }
                    #expect(sessions.count == created + 2, "every session acknowledged is kept: \(sessions.count) of \(created + 2)")
                }
                let database = try DatabaseQueue(path: home + "/" + BackendDatabase.fileName)
                #expect(try await database.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
            }
        }
    }
}
