import Foundation

/// Where a video's keyframes are, and whether they are too far apart for clips to start fast.
///
/// mpv seeks exactly: it decodes from the keyframe before a clip's start up to its first frame,
/// so the cost of starting a clip grows with the distance from the previous keyframe (BENCHMARKS.md:
/// 49 ms with a keyframe every 2 s, 374 ms p50 and 651 ms p99 with one every 60 s at 640×360).
public struct Keyframes: Sendable, Equatable {
    /// Presentation times of the keyframes of the first video stream, in seconds, ascending.
    public var times: [Double]
    /// Presentation times of every frame, so that a forced keyframe can go on a real frame.
    public var frameTimes: [Double]

    public init(times: [Double], frameTimes: [Double] = []) {
        self.times = times.sorted()
        self.frameTimes = frameTimes.sorted()
    }

    /// The frame shown at `time`: the last one at or before it (a keyframe forced on the frame
    /// just after would leave the seek to the keyframe before).
    public func frame(atOrBefore time: Double) -> Double {
        var low = 0
        var high = frameTimes.count
        while low < high {
            let middle = (low + high) / 2
            if frameTimes[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? frameTimes[low - 1] : time
    }

    public var gaps: [Double] { zip(times.dropFirst(), times).map { $0 - $1 } }

    public var medianGap: Double {
        let sorted = gaps.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    public var maxGap: Double { gaps.max() ?? 0 }

    /// Too sparse when the typical seek decodes more than a few seconds (median gap over 4 s:
    /// half a gap on average, about 2 s of decoding, which at 1080p passes the 150 ms target)
    /// or when some clips would wait far longer (a gap over 10 s). Films encoded for streaming
    /// have a keyframe every 2 to 5 s and pass; screen recordings and careless encodes do not.
    public var isTooSparse: Bool { medianGap > Self.maximumMedianGap || maxGap > Self.maximumGap }

    public static let maximumMedianGap = 4.0
    public static let maximumGap = 10.0
}

/// Reads keyframe times with ffprobe.
public struct KeyframeSurvey: Sendable {
    let ffprobe: ExternalTool

    public init(configuration: LibraryConfiguration = LibraryConfiguration()) {
        ffprobe = ExternalTool(name: "ffprobe", executable: configuration.ffprobe, installHint: MediaProbe.installHint)
    }

    /// The keyframes of `path`'s first video stream. Packet flags need no decoding; on a 6-minute
    /// 640×360 film they took 0.16 s, as fast as `-skip_frame nokey` frames (which decode each
    /// keyframe, so cost more at higher resolutions).
    public func keyframes(of path: String) async throws(ToolError) -> Keyframes {
        let output = try await ffprobe.run(
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", "file:" + path],
            outputLimit: 256 << 20,
            timeout: .seconds(600)
        )
        var times: [Double] = []
        var frames: [Double] = []
        for line in String(decoding: output.standardOutput, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let time = Double(fields[0]) else { continue }
            frames.append(time)
            if fields[1].contains("K") { times.append(time) }
        }
        guard !frames.isEmpty else {
            throw .failed(tool: "ffprobe", status: "no video", message: "the file has no video stream to seek in")
        }
        return Keyframes(times: times, frameTimes: frames)
    }
}
