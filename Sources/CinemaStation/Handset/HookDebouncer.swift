/// A switch's contacts bounce for a few milliseconds when it moves: a reading counts only once
/// it has held for `interval`. Fed readings and the checks they ask for; says when the settled
/// state changes.
struct HookDebouncer: Sendable {
    let interval: Duration
    /// The last settled state (true: the handset is lifted); nil until the first has settled.
    private(set) var settled: Bool?
    private var latest: (lifted: Bool, at: ContinuousClock.Instant)?

    init(interval: Duration, settled: Bool? = nil) {
        self.interval = interval
        self.settled = settled
    }

    /// A raw reading; returns when to `check` whether it held.
    mutating func reading(_ lifted: Bool, at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        if latest?.lifted != lifted { latest = (lifted, now) }
        return now + interval
    }

    /// The new settled state, if the latest reading has held long enough and differs from it.
    mutating func check(at now: ContinuousClock.Instant) -> Bool? {
        guard let latest, now - latest.at >= interval, latest.lifted != settled else { return nil }
        settled = latest.lifted
        return latest.lifted
    }
}
