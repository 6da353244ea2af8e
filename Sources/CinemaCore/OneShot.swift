import Synchronization

/// A result that arrives once, awaited by any number of tasks, before or after it arrives: an
/// answer from mpv, a clip that has loaded, a turn's decision, a socket that has drained.
///
/// Every wait is resumed exactly once: with the result, or with `CancellationError` as soon as
/// the waiting task is cancelled (the others still get the result). The waiter and the canceller
/// take the same lock, and a task is marked cancelled before its handler runs, so a wait
/// registered after the cancellation sees it: nothing has to remember cancellations that came
/// too early. Fulfilling never suspends, so an actor can do it in the middle of a state change.
public final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting(next: Int, [Int: CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }

    private let state = Mutex<State>(.waiting(next: 0, [:]))

    public init() {}

    /// The first result wins; a later one is ignored (and reported, by returning false).
    @discardableResult
    public func fulfil(_ result: Result<Value, any Error>) -> Bool {
        let waiting: [CheckedContinuation<Value, any Error>]? = state.withLock { state in
            guard case .waiting(_, let continuations) = state else { return nil }
            state = .done(result)
            return Array(continuations.values)
        }
        guard let waiting else { return false }
        for continuation in waiting { continuation.resume(with: result) }
        return true
    }

    public var isFulfilled: Bool {
        state.withLock { state in
            if case .done = state { return true }
            return false
        }
    }

    /// The result once it arrives; `CancellationError` at once if this task is cancelled first.
    public func value() async throws -> Value {
        let (key, arrived) = state.withLock { state -> (Int, Result<Value, any Error>?) in
            switch state {
            case .done(let result):
                return (0, result)
            case .waiting(let next, let continuations):
                state = .waiting(next: next + 1, continuations)
                return (next, nil)
            }
        }
        if let arrived { return try arrived.get() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let result: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .done(let result):
                        return result
                    case .waiting(let next, var continuations):
                        if Task.isCancelled { return .failure(CancellationError()) }
                        continuations[key] = continuation
                        state = .waiting(next: next, continuations)
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Value, any Error>? = state.withLock { state in
                guard case .waiting(let next, var continuations) = state, let continuation = continuations.removeValue(forKey: key) else {
                    return nil
                }
                state = .waiting(next: next, continuations)
                return continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }
}
