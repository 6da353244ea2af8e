import CinemaCore
import Testing

@Suite("A result that arrives once")
struct OneShotTests {
    @Test("Every waiter gets the result, whether it waited before or after it came; a later result is ignored")
    func everyWaiterGetsIt() async throws {
        let shot = OneShot<Int>()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await shot.value() } }
            #expect(shot.fulfil(.success(7)))
            #expect(!shot.fulfil(.success(8)))
            for try await value in group { #expect(value == 7) }
        }
        #expect(try await shot.value() == 7)
        #expect(shot.isFulfilled)
    }

    /// The race the player once patched with a set of abandoned waits: a cancellation that
    /// arrives before, during or after the wait is registered.
    /// Alone it takes a twentieth of a second; the limit only catches a wait that never ends,
    /// and a loaded CI, with tests holding both cooperative threads, has taken more than a minute.
    @Test("A wait cancelled at any moment ends with CancellationError, and the other waiters still get the result", .timeLimit(.minutes(5)))
    func cancelledWaitsEnd() async throws {
        for round in 0..<2000 {
            let shot = OneShot<Int>()
            let cancelled = await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    do {
                        _ = try await shot.value()
                        return nil
                    } catch {
                        return error
                    }
                }
                if round % 2 == 0 { await Task.yield() }
                group.cancelAll()
                return await group.next() ?? nil
            }
            #expect(cancelled is CancellationError, "round \(round): \(String(describing: cancelled))")
            async let other = shot.value()
            shot.fulfil(.success(round))
            #expect(try await other == round)
        }
    }
}
