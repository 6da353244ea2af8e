import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@Suite("A log rotated by size")
struct RotatingLogTests {
    @Test("Past its size the log moves to .1, .2 …; only `keep` old parts stay, and the newest line is in the log itself")
    func rotates() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.file("client.log")
            let log = RotatingLog(path: path, maxBytes: 100, keep: 2)
            for number in 1...50 { log.write(line: String(format: "line %03d of fifty", number)) }
            log.close()
            let files = FileManager.default
            #expect(files.fileExists(atPath: path + ".1"))
            #expect(files.fileExists(atPath: path + ".2"))
            #expect(!files.fileExists(atPath: path + ".3"))
            for part in [path, path + ".1", path + ".2"] {
                let size = try #require(try files.attributesOfItem(atPath: part)[.size] as? Int)
                #expect(size <= 100, "\(part) holds \(size) bytes")
            }
            let newest = try String(contentsOfFile: path, encoding: .utf8)
            #expect(newest.hasSuffix("line 050 of fifty\n"))
            // Nothing is lost between the parts that remain.
            let older = try String(contentsOfFile: path + ".1", encoding: .utf8)
            let first = try #require(newest.split(separator: "\n").first)
            let previous = try #require(older.split(separator: "\n").last)
            #expect(Int(first.dropFirst(5).prefix(3)) == Int(previous.dropFirst(5).prefix(3)).map { $0 + 1 })
        }
    }

    @Test("On a full disk a line is lost, not the process (Foundation's write(_:) traps on ENOSPC)")
    func fullDisk() async throws {
        try await TemporaryDirectory.with { directory in
            // Every write to /dev/full fails with ENOSPC, as on a disk that has filled. Through a
            // link, so that a rotation could only ever move the link.
            let path = directory.file("full.log")
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
            let log = RotatingLog(path: path, maxBytes: 64, keep: 1)
            for _ in 0..<10 { log.write(line: "the visitor said hello") }
            log.close()
            // Lines that were never written count for nothing: the log did not rotate.
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path) == "/dev/full")
            #expect(!FileManager.default.fileExists(atPath: path + ".1"))
        }
    }
}
