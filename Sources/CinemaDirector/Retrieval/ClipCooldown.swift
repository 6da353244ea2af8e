import Synchronization

/// Clips played recently in any session, so that two visitors in one afternoon do not get the
/// same answers. Shared by every session of a process.
///
/// A lock rather than an actor: the director asks it several times per turn, and each hop to an
/// actor would wait its turn on the cooperative pool behind every socket's audio.
public final class ClipCooldown: Sendable {
    private let duration: Duration
    private let now: @Sendable () -> Duration
    private let playedAt = Mutex<[Int64: Duration]>([:])

    /// `clock` is injectable so that tests can move time by hand.
    public init<C: Clock<Duration>>(duration: Duration, clock: C) {
        self.duration = duration
        let start = clock.now
        now = { start.duration(to: clock.now) }
    }

    public convenience init(duration: Duration) {
        self.init(duration: duration, clock: ContinuousClock())
    }

    public func played(_ clipID: Int64) {
        let time = now()
        let duration = self.duration
        playedAt.withLock { playedAt in
            playedAt[clipID] = time
            // Keep the table small on installations that run for weeks.
            if playedAt.count > 10_000 { playedAt = playedAt.filter { time - $0.value < duration } }
        }
    }

    /// The clips among `clipIDs` that were played within the cooldown.
    public func cooling(_ clipIDs: some Sequence<Int64>) -> Set<Int64> {
        let time = now()
        let duration = self.duration
        return playedAt.withLock { playedAt in
            Set(clipIDs.filter { id in playedAt[id].map { time - $0 < duration } ?? false })
        }
    }
}
