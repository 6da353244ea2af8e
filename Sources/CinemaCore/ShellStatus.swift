public import Subprocess

extension TerminationStatus {
    /// As a shell reports it: the exit code, or 128 + the signal that killed the process. The
    /// station logs and records its clients' ends this way, and the tests read them so.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }
}
