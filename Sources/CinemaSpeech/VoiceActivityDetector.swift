import Foundation

/// Finds where the visitor starts and stops speaking in a stream of 16-bit mono PCM.
///
/// The stream is read in 20 ms windows. A window is speech when its level stands clearly above
/// the noise floor, which follows the room: it falls quickly to quieter windows and rises slowly
/// while nobody speaks, so a fan or a crowd becomes the new silence instead of one endless
/// utterance. An utterance starts after `startSeconds` of speech (a click or a knock is shorter)
/// and ends after `stopSeconds` of silence (a pause for breath is shorter).
///
/// A value type fed by one socket; nothing here waits or allocates per sample beyond the
/// utterance it is collecting.
public struct VoiceActivityDetector: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var sampleRate = 16_000
        /// Speech needed before an utterance starts (the start hangover).
        public var startSeconds = 0.2
        /// Silence needed before it ends (the stop hangover).
        public var stopSeconds = 0.8
        /// Shorter utterances are dropped: coughs, clicks, a door.
        public var minimumUtteranceSeconds = 0.3
        /// Longer ones are cut here and transcribed; listening goes on.
        public var maximumUtteranceSeconds = 15.0
        /// A window is speech when its level is this many decibels over the noise floor…
        public var decibelsOverFloor = 10.0
        /// …and over this absolute level (dBFS), so that a silent room's hiss never counts.
        public var minimumSpeechDecibels = -50.0
        /// Audio kept from before the start was detected, so that the first syllable is heard.
        public var prerollSeconds = 0.2
        /// When set, a pause this long within an utterance is reported (``Event/paused(_:)``),
        /// so that a recognizer can start on what was said while the stop hangover runs out.
        public var pauseSeconds: Double?

        public init() {}
    }

    public enum Event: Sendable, Equatable {
        case started(at: Double)
        case ended(Utterance)
        /// Started, but too short to be speech; whoever showed "speaking" should stop.
        case dropped(start: Double, end: Double)
        /// The visitor has paused for `pauseSeconds`: the utterance as it would end if they
        /// said no more. If they do, the ``ended(_:)`` that follows has a later end.
        case paused(Utterance)
    }

    public struct Utterance: Sendable, Equatable {
        /// Seconds from the start of the stream.
        public var start: Double
        public var end: Double
        /// The audio from `start - preroll` to `end`.
        public var samples: [Int16]
        /// Cut at the maximum length rather than ended by silence.
        public var wasCut: Bool

        public var duration: Double { end - start }
    }

    public let configuration: Configuration
    private let window: Int
    private var pending: [Int16] = []
    private var windowsSeen = 0
    /// The noise floor, in dBFS.
    private var floor: Double?

    private enum State {
        case silent(run: Int, gap: Int)
        case speaking(start: Int, lastSpeech: Int, silence: Int)
    }

    private var state = State.silent(run: 0, gap: 0)
    /// Recent audio while silent (the preroll), and the utterance while speaking.
    private var buffer: [Int16] = []
    private var bufferStartWindow = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        window = max(1, configuration.sampleRate / 50)
    }

    private var windowSeconds: Double { Double(window) / Double(configuration.sampleRate) }
    private func windows(_ seconds: Double) -> Int { max(1, Int((seconds / windowSeconds).rounded())) }
    private func time(_ windowIndex: Int) -> Double { Double(windowIndex) * windowSeconds }

    /// Seconds of audio heard so far: an utterance that ends at `end` was called over
    /// `heardSeconds - end` later (the stop hangover, or less when the stream stopped).
    public var heardSeconds: Double { time(windowsSeen) }

    /// While an utterance is under way, the audio collected for it so far (from its preroll):
    /// a recognizer can hear it as it grows. The utterance that ends is a prefix of it (the
    /// trailing silence is left off).
    public var collectedCount: Int { isSpeaking ? buffer.count : 0 }

    public func collected(from index: Int) -> ArraySlice<Int16> {
        isSpeaking && index < buffer.count ? buffer[max(0, index)...] : []
    }

    /// Whether an utterance is under way.
    public var isSpeaking: Bool {
        if case .speaking = state { return true }
        return false
    }

    /// The current noise floor in dBFS, once there is one.
    public var noiseFloor: Double? { floor }

    /// Feeds samples (any count; a frame of odd size is fine) and returns what they completed.
    public mutating func feed(_ samples: some Collection<Int16>) -> [Event] {
        var events: [Event] = []
        pending.append(contentsOf: samples)
        var offset = 0
        while pending.count - offset >= window {
            let slice = pending[offset..<(offset + window)]
            offset += window
            step(slice, into: &events)
        }
        pending.removeFirst(offset)
        return events
    }

    /// The stream stopped: an utterance under way ends here.
    public mutating func finish() -> [Event] {
        var events: [Event] = []
        if case .speaking(let start, let lastSpeech, _) = state {
            close(start: start, lastSpeech: lastSpeech, cut: false, into: &events)
        }
        state = .silent(run: 0, gap: 0)
        buffer.removeAll()
        pending.removeAll()
        return events
    }

    private mutating func step(_ slice: ArraySlice<Int16>, into events: inout [Event]) {
        let index = windowsSeen
        windowsSeen += 1
        let level = Self.decibels(slice)
        let isSpeech = classify(level)
        buffer.append(contentsOf: slice)

        switch state {
        case .silent(var run, var gap):
            if isSpeech {
                run += 1
                gap = 0
            } else if run > 0 {
                // A single quiet window inside a word does not reset the count.
                gap += 1
                if gap > 2 {
                    run = 0
                    gap = 0
                }
            }
            adaptFloor(level, speaking: run > 0)
            if run >= windows(configuration.startSeconds) {
                let start = index - run - gap + 1
                let keepFrom = max(bufferStartWindow, start - windows(configuration.prerollSeconds))
                buffer.removeFirst((keepFrom - bufferStartWindow) * window)
                bufferStartWindow = keepFrom
                state = .speaking(start: start, lastSpeech: index - gap, silence: gap)
                events.append(.started(at: time(start)))
            } else {
                state = .silent(run: run, gap: gap)
                trimPreroll()
            }
        case .speaking(let start, var lastSpeech, var silence):
            if isSpeech {
                lastSpeech = index
                silence = 0
            } else {
                silence += 1
            }
            // Slowly, even through speech: a noise that starts and never stops becomes the floor
            // within seconds instead of one utterance cut every 15 s forever.
            adaptFloor(level, speaking: true)
            if let pause = configuration.pauseSeconds, !isSpeech, silence == windows(pause), silence < windows(configuration.stopSeconds),
                let utterance = utterance(start: start, lastSpeech: lastSpeech, cut: false)
            {
                events.append(.paused(utterance))
            }
            if silence >= windows(configuration.stopSeconds) {
                close(start: start, lastSpeech: lastSpeech, cut: false, into: &events)
            } else if index + 1 - start >= windows(configuration.maximumUtteranceSeconds) {
                close(start: start, lastSpeech: index, cut: true, into: &events)
                if isSpeech {
                    // Still talking: the rest is a new utterance, starting now.
                    state = .speaking(start: index + 1, lastSpeech: index, silence: 0)
                    bufferStartWindow = index + 1
                    events.append(.started(at: time(index + 1)))
                }
            } else {
                state = .speaking(start: start, lastSpeech: lastSpeech, silence: silence)
            }
        }
    }

    /// The utterance from `start` to the end of the window `lastSpeech`, or nil when it is too
    /// short to be speech.
    private func utterance(start: Int, lastSpeech: Int, cut: Bool) -> Utterance? {
        let end = lastSpeech + 1
        guard time(end) - time(start) >= configuration.minimumUtteranceSeconds else { return nil }
        let count = min(buffer.count, (end - bufferStartWindow) * window)
        return Utterance(start: time(start), end: time(end), samples: Array(buffer.prefix(count)), wasCut: cut)
    }

    private mutating func close(start: Int, lastSpeech: Int, cut: Bool, into events: inout [Event]) {
        if let utterance = utterance(start: start, lastSpeech: lastSpeech, cut: cut) {
            events.append(.ended(utterance))
        } else {
            events.append(.dropped(start: time(start), end: time(lastSpeech + 1)))
        }
        buffer.removeAll(keepingCapacity: true)
        bufferStartWindow = windowsSeen
        state = .silent(run: 0, gap: 0)
    }

    /// While silent, only the preroll (and the start run) is worth keeping.
    private mutating func trimPreroll() {
        let keep = windows(configuration.prerollSeconds + configuration.startSeconds) + 3
        let held = buffer.count / window
        if held > keep * 2 {
            let drop = held - keep
            buffer.removeFirst(drop * window)
            bufferStartWindow += drop
        }
    }

    private func classify(_ level: Double) -> Bool {
        guard level >= configuration.minimumSpeechDecibels else { return false }
        guard let floor else { return false }
        return level >= floor + configuration.decibelsOverFloor
    }

    /// Falls fast toward quieter windows; rises slowly, and barely while someone may be talking,
    /// so that a steady noise is learned within seconds but a voice is not.
    private mutating func adaptFloor(_ level: Double, speaking: Bool) {
        guard let current = floor else {
            floor = level
            return
        }
        if level < current {
            floor = current + (level - current) * 0.3
        } else {
            let rate = speaking ? 0.002 : 0.02
            floor = current + (level - current) * rate
        }
    }

    /// The window's RMS level in dBFS (-96 for digital silence).
    static func decibels(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return -96 }
        var sum = 0.0
        for sample in samples {
            let value = Double(sample)
            sum += value * value
        }
        let rms = (sum / Double(samples.count)).squareRoot()
        return rms < 0.5 ? -96 : 20 * log10(rms / 32768)
    }
}
