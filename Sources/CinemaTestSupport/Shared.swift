import Synchronization

/// A value several tasks (or a test's closures) read and write, behind a lock.
public final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    public init(_ value: Value) {
        state = Mutex(value)
    }

    public func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T {
        state.withLock { body(&$0) }
    }

    public func get() -> Value { state.withLock { $0 } }
    public func set(_ new: Value) { state.withLock { $0 = new } }
}
