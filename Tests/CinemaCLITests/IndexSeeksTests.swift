import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

/// `cinema index` names films whose keyframes are too far apart, and `--prepare-seeks` fixes them once.
@Suite("cinema index --prepare-seeks")
struct IndexSeeksTests {
    @Test("A film with sparse keyframes is named with the fix; --prepare-seeks prepares it once, then skips it")
    func prepareSeeks() async throws {
        try await TemporaryDirectory.with { directory in
            let films = try directory.makeDirectory("films")
            let original = films + "/Night_Train.mp4"
            try await MediaFixtures.makeVideo(at: original, seconds: 30, keyframeEvery: 15)
            try directory.write("films/Night_Train.srt", SubRipWriter.text([.init(start: 7.3, end: 9, text: "Did you hear the train?")]))
            let environment = ["CINEMA_HOME": directory.file("home")]

            let warned = try await CinemaExecutable.run(["index", "--no-embeddings", films], environment: environment)
            #expect(warned.status == 0, "\(warned.standardError)")
            #expect(warned.standardOutput.contains("1 film has keyframes too far apart, so clips start late; run cinema index --prepare-seeks DIR"))
            #expect(warned.standardOutput.contains("\(original): a keyframe every 15.0 s (median), 15.0 s at most"))
            #expect(warned.standardError.contains("\(original): keyframes too far apart"))
            #expect(!FileManager.default.fileExists(atPath: films + "/Night_Train.seek.mp4"))

            let prepared = try await CinemaExecutable.run(["index", "--no-embeddings", "--prepare-seeks", films], environment: environment)
            #expect(prepared.status == 0, "\(prepared.standardError)")
            #expect(prepared.standardOutput.contains("Prepared 1 film for quick clip starts"))
            // Not a terminal: the film's re-encoding is followed in plain lines, a tenth at a time.
            #expect(prepared.standardError.contains("[0/1 films · 100% of this one] re-encoding Night_Train.mp4\n"), "\(prepared.standardError)")
            #expect(FileManager.default.fileExists(atPath: films + "/Night_Train.seek.mp4"))

            let again = try await CinemaExecutable.run(["index", "--no-embeddings", "--prepare-seeks", films], environment: environment)
            #expect(again.standardOutput.contains("1 film was prepared already and skipped."))
            #expect(!again.standardOutput.contains("Prepared 1 film"))
        }
    }
}
