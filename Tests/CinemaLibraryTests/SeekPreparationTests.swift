import CinemaCore
import CinemaTestSupport
import Foundation
import Synchronization
import Testing

@testable import CinemaLibrary

@Suite("Preparing films for quick clip starts", .tags(.media))
struct SeekPreparationTests {
    /// Two lines: with the default 0.3 s of padding their clips start at 7.0 and 21.35 s.
    static let subtitles = SubRipWriter.text([
        .init(start: 7.3, end: 9.0, text: "Did you hear the train?"),
        .init(start: 21.65, end: 23.0, text: "It left an hour ago."),
    ])

    @Test("The survey finds a film with a keyframe every 15 s, and not one with a keyframe every 2 s")
    func survey() async throws {
        try await TemporaryDirectory.with { directory in
            let sparse = directory.file("Sparse.mp4")
            let dense = directory.file("Dense.mp4")
            try await MediaFixtures.makeVideo(at: sparse, seconds: 30, keyframeEvery: 15)
            try await MediaFixtures.makeVideo(at: dense, seconds: 30, keyframeEvery: 2)
            let survey = KeyframeSurvey()
            let sparseKeyframes = try await survey.keyframes(of: sparse)
            #expect(sparseKeyframes.times == [0, 15])
            #expect(sparseKeyframes.isTooSparse)
            let denseKeyframes = try await survey.keyframes(of: dense)
            #expect(denseKeyframes.medianGap == 2)
            #expect(!denseKeyframes.isTooSparse)
            await #expect(throws: ToolError.self) { try await survey.keyframes(of: directory.file("missing.mp4")) }
        }
    }

    @Test(
        "Prepared once beside the original with keyframes at the clips' starts, played instead, skipped when done, redone when the original changes"
    )
    func prepare() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = try directory.makeDirectory("films")
            let original = films + "/Night_Train.mp4"
            try await MediaFixtures.makeVideo(at: original, seconds: 30, keyframeEvery: 15)
            try directory.write("films/Night_Train.srt", Self.subtitles)
            // Sound alone, named like a video: indexed for its subtitles, but nothing to seek in.
            _ = try await ExternalTool(name: "ffmpeg", executable: "ffmpeg", installHint: "").run([
                "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=duration=3", "-c:a", "aac", directory.file("films/Radio.mp4"),
            ])
            try directory.write("films/Radio.srt", SubRipWriter.text([.init(start: 1, end: 2, text: "This is the news.")]))
            let originalBytes = try Data(contentsOf: URL(fileURLWithPath: original))
            _ = try await library.indexer.index([films])

            let preparation = SeekPreparation(database: library.database)
            let surveyed = try await preparation.run(under: [films], prepare: false)
            #expect(surveyed.sparse.map(\.path) == [original])
            #expect(surveyed.prepared.isEmpty)

            let steps = Mutex<[SeekProgress]>([])
            let report = try await preparation.run(under: [films], prepare: true) { step in steps.withLock { $0.append(step) } }
            let prepared = films + "/Night_Train.seek.mp4"
            // The film in hand is followed as it is re-encoded, a step each new percent, to the end.
            let encoding = steps.withLock { $0 }.filter { $0.path == original }.compactMap(\.encoded)
            #expect(encoding == encoding.sorted() && Set(encoding).count == encoding.count, "\(encoding)")
            #expect((encoding.last ?? 0) >= 0.95, "\(encoding)")
            #expect(report.prepared == [original])
            #expect(report.failed.map(\.path) == [films + "/Radio.mp4"])
            #expect(report.failed.first?.reason.contains("no video stream") == true)
            let keyframes = try await KeyframeSurvey().keyframes(of: prepared).times
            for start in [7.0, 21.35] {
                #expect(keyframes.contains { $0 <= start && start - $0 <= 0.1 + 1e-6 }, "no keyframe on the frame at \(start): \(keyframes)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: original)) == originalBytes)
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: films).contains { $0.hasSuffix(".partial") }))
            let clips = try await library.database.search("train")
            #expect(clips.first?.videoPath == prepared)

            // Indexing again does not take the prepared copy for a film of its own.
            let again = try await library.indexer.index([films])
            #expect(again.added.isEmpty)
            #expect(try await library.database.films().count == 2)

            let rerun = try await preparation.run(under: [films], prepare: true)
            #expect(rerun.prepared.isEmpty)
            #expect(rerun.alreadyPrepared == [original])

            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: original)
            let changed = try await preparation.run(under: [films], prepare: true)
            #expect(changed.prepared == [original])
        }
    }

    @Test("Stopped in the middle of a film's re-encoding: ffmpeg is stopped with it, no part of the copy is left, and the next run prepares it")
    func interruptedEncode() async throws {
        try await TemporaryDirectory.with { directory in
            let library = try TestLibrary(directory)
            let films = try directory.makeDirectory("films")
            let original = films + "/Night_Train.mp4"
            // Big enough that its re-encoding takes seconds, and too sparse: a keyframe every 12 s.
            try await MediaFixtures.makeVideo(at: original, seconds: 24, size: "1280x720", keyframeEvery: 12)
            try directory.write("films/Night_Train.srt", Self.subtitles)
            _ = try await library.indexer.index([films])
            let preparation = SeekPreparation(database: library.database)

            let (encoding, started) = AsyncStream.makeStream(of: Double.self)
            let run = Task {
                defer { started.finish() }
                return try await preparation.run(under: [films], prepare: true) { step in step.encoded.map { _ = started.yield($0) } }
            }
            var first: Double?
            for await encoded in encoding {
                first = encoded
                break
            }
            #expect(try #require(first) < 1)
            run.cancel()
            let report = try await run.value
            #expect(report.interrupted)
            #expect(report.prepared.isEmpty)
            let prepared = films + "/Night_Train.seek.mp4"
            #expect(!FileManager.default.fileExists(atPath: prepared))
            #expect(!(try FileManager.default.contentsOfDirectory(atPath: films).contains { $0.hasSuffix(".partial") }))
            // No ffmpeg goes on writing the copy behind the run's back.
            let writing = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { $0.allSatisfy(\.isNumber) }.filter { pid in
                let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
                return String(decoding: command, as: UTF8.self).contains("Night_Train.seek.mp4.partial")
            }
            #expect(writing.isEmpty, "ffmpeg still running: \(writing)")
            #expect(try await library.database.search("train").first?.videoPath == original)

            let again = try await preparation.run(under: [films], prepare: true)
            #expect(again.prepared == [original])
            #expect(FileManager.default.fileExists(atPath: prepared))
        }
    }
}
