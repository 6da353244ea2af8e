/// The handset's hook switch, debounced: reports each settled change (true: lifted) until the
/// device goes away, which it throws.
struct HookSwitch: Sendable {
    let source: HookSource
    var debounce: Duration = .milliseconds(40)
    var reader: any HookLineReader { source.reader }

    private enum Input: Sendable {
        case reading(Bool)
        case check
        case ended(HookReadError?)
    }

    func run(_ changed: @escaping @Sendable (Bool) async -> Void) async throws(HookReadError) {
        let (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        let reader = reader
        let failure: HookReadError? = await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do throws(HookReadError) {
                    try await reader.readings { continuation.yield(.reading($0)) }
                    continuation.yield(.ended(nil))
                } catch {
                    continuation.yield(.ended(error))
                }
            }
            var debouncer = HookDebouncer(interval: debounce)
            var failure: HookReadError?
            readings: for await input in inputs {
                switch input {
                case .reading(let lifted):
                    let checkAt = debouncer.reading(lifted, at: .now)
                    group.addTask {
                        // Cancelled when reading ends: the check is then moot.
                        try? await Task.sleep(until: checkAt, clock: .continuous)
                        continuation.yield(.check)
                    }
                case .check:
                    if let change = debouncer.check(at: .now) { await changed(change) }
                case .ended(let error):
                    failure = error
                    break readings
                }
            }
            continuation.finish()
            group.cancelAll()
            return failure
        }
        if let failure { throw failure }
    }
}
