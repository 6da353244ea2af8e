import Synchronization

/// A value that arrives once and can be awaited by any number of tasks, before or after it
/// arrives. Fulfilling never suspends, so an actor can do it in the middle of a state change.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }

    private let state = Mutex<State>(.waiting([]))

    /// The first result wins; later ones are ignored.
    func fulfil(_ result: Result<Value, any Error>) {
        let waiting: [CheckedContinuation<Value, any Error>] = state.withLock { state in
            guard case .waiting(let continuations) = state else { return [] }
            state = .done(result)
            return continuations
        }
        for continuation in waiting { continuation.resume(with: result) }
    }

    var isFulfilled: Bool {
        state.withLock { state in
            if case .done = state { return true }
            return false
        }
    }

    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let result: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .waiting(var continuations):
                    continuations.append(continuation)
                    state = .waiting(continuations)
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
