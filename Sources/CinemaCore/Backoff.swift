/// Pauses between attempts that double from `initial` up to `maximum`, with a little jitter so
/// that many devices cut off together do not all come back in the same instant. `maximum` holds
/// whatever the jitter: at the cap the pauses spread below it, never above.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    /// Attempts since the last success.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The pause before the next attempt, counting one more failure.
    public mutating func next(jitter: Double = Double.random(in: 0.9...1.1)) -> Duration {
        let doublings = min(failures, 30)
        failures += 1
        let pause = min(initial * (1 << doublings), maximum)
        // Where the spread would pass the cap it is mirrored below the pause instead: devices
        // at the cap still come back spread out, and none after it.
        let spread = pause * jitter
        return spread > maximum ? max(pause * (2 - jitter), .zero) : spread
    }

    public mutating func succeeded() { failures = 0 }
}
