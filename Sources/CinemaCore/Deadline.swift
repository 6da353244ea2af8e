/// Waiting with a limit.
public enum Deadline {
    /// What `operation` gives, or nil when `limit` passes first. The operation is then
    /// cancelled, and must end promptly when it is (the wait ends only once it has).
    public static func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
