import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaPlayer

#if canImport(Glibc)
import Glibc
#endif

@Suite("Sockets left by players that were killed")
struct OrphanedMPVTests {
    /// A unix socket bound at `path`, as mpv leaves one; closed at once, the file stays.
    static func socketFile(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path): errno \(errno)")
    }

    /// PIDs no process has now, from the top of the range, where the kernel hands them out last.
    static func deadPIDs(_ count: Int) throws -> [Int32] {
        let top =
            Int32((try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 32768
        return Array(stride(from: top - 1, to: 300, by: -1).lazy.filter { kill($0, 0) != 0 && errno == ESRCH }.prefix(count))
    }

    @Test(
        "Only our own sockets whose player PID is gone are removed: not a live player's, not a symlink or a plain file by our name, not another name"
    )
    func removesOnlyStaleSockets() async throws {
        // Kept short: a unix socket's path has a limit of 108 bytes.
        let directory = "/tmp/cinema-orphan-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dead = try Self.deadPIDs(4)
        try #require(dead.count == 4)

        let stale = directory + "/cinema-mpv-\(dead[0]).sock"
        try Self.socketFile(at: stale)
        let live = directory + "/cinema-mpv-\(getppid()).sock"
        try Self.socketFile(at: live)
        let own = directory + "/cinema-mpv-\(getpid()).sock"
        try Self.socketFile(at: own)
        let target = directory + "/precious"
        try Self.socketFile(at: target)
        let link = directory + "/cinema-mpv-\(dead[1]).sock"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let plain = directory + "/cinema-mpv-\(dead[2]).sock"
        FileManager.default.createFile(atPath: plain, contents: Data("not a socket".utf8))
        let otherName = directory + "/cinema-mpv-\(dead[3]).sock.bak"
        try Self.socketFile(at: otherName)

        #expect(OrphanedMPV.removeStaleSockets(in: directory) == [stale])
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory).map { directory + "/" + $0 })
        #expect(left == [live, own, target, link, plain, otherName], "\(left.sorted())")

        for name in ["cinema-mpv-.sock", "cinema-mpv-12a.sock", "cinema-mpv--5.sock", "cinema-mpv-99999999999.sock", "mpv-12.sock"] {
            #expect(OrphanedMPV.owner(ofSocketNamed: name) == nil, "\(name)")
        }
        #expect(OrphanedMPV.owner(ofSocketNamed: "cinema-mpv-4242.sock") == 4242)
    }
}
