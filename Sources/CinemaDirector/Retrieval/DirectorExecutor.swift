import Dispatch
import Synchronization

/// Where the retrieval director thinks: a few threads of its own, beside Swift's cooperative
/// pool rather than in it.
///
/// The cooperative pool has one thread per core (two here), and every room's socket task runs
/// on it, thousands of times a second. GRDB's asynchronous reads hold a library reader across
/// two trips through whatever executor their caller runs on; on the pool, each trip waited
/// behind every socket's audio, the library's five readers sat held but idle, and a turn's
/// dozen reads queued behind one another (director_ms p99 of seconds with the cores half idle).
/// As the task executor preference of a decision, this executor runs the director and the
/// library code it awaits; only the first hop in and the last hop out touch the pool. The
/// backend runs each whole turn on one as well (its event writes wait on GRDB the same way).
package final class DirectorExecutor: TaskExecutor {
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    /// `threads` serial queues, used in turn (a serial queue has a thread of its own while it
    /// has work, outside the cooperative pool).
    package init(label: String, threads: Int = 2) {
        queues = (0..<max(1, threads)).map { DispatchQueue(label: "\(label).\($0)") }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max
        queues[index % queues.count].async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
