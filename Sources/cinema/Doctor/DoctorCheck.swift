/// One thing `cinema doctor` looks at: a name for people, and the look itself, which must answer
/// within `timeout` (a check that does not is reported as unknown, not waited for).
struct DoctorCheck: Sendable {
    var name: String
    var timeout: Duration = .seconds(5)
    var look: @Sendable () async -> Outcome

    /// What a check found. Anything not ok carries the one sentence that fixes it.
    struct Outcome: Sendable, Equatable {
        var status: CheckResult.Status
        var found: String
        var fix: String?

        static func ok(_ found: String) -> Self { Self(status: .ok, found: found) }
        static func warning(_ found: String, fix: String) -> Self { Self(status: .warning, found: found, fix: fix) }
        static func failed(_ found: String, fix: String) -> Self { Self(status: .failed, found: found, fix: fix) }
    }
}

/// A check's verdict as `cinema doctor` prints it (and `--json` writes it).
struct CheckResult: Sendable, Equatable, Codable {
    enum Status: String, Sendable, Codable {
        /// Fine as it is.
        case ok
        /// The installation runs, with less than it could (no microphone, pocketsphinx hears).
        case warning
        /// The installation cannot run as it is.
        case failed
    }

    var name: String
    var status: Status
    var found: String
    var fix: String?

    init(name: String, outcome: DoctorCheck.Outcome) {
        self.name = name
        status = outcome.status
        found = outcome.found
        fix = outcome.fix
    }
}
