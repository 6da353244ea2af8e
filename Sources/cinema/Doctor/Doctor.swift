/// Looks at everything an installer gets wrong, all at once, and says whether the installation
/// can run: every check runs concurrently, each within its own timeout, so that a hung tool or
/// an unanswering address costs seconds, not the whole report.
struct Doctor: Sendable {
    var checks: [DoctorCheck]

    struct Report: Sendable, Codable {
        var checks: [CheckResult]
        /// No check failed (warnings allowed).
        var canRun: Bool { !checks.contains { $0.status == .failed } }

        enum CodingKeys: String, CodingKey { case checks, canRun }

        init(checks: [CheckResult]) {
            self.checks = checks
        }

        init(from decoder: any Decoder) throws {
            checks = try decoder.container(keyedBy: CodingKeys.self).decode([CheckResult].self, forKey: .checks)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(checks, forKey: .checks)
            try container.encode(canRun, forKey: .canRun)
        }
    }

    /// Every check's result, in the order of `checks`.
    func examine() async -> Report {
        let results = await withTaskGroup(of: (Int, CheckResult).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask { (index, CheckResult(name: check.name, outcome: await Self.outcome(of: check))) }
            }
            var results: [Int: CheckResult] = [:]
            for await (index, result) in group { results[index] = result }
            return results
        }
        return Report(checks: checks.indices.compactMap { results[$0] })
    }

    /// The check's own outcome, or a warning once its timeout passes (the look is cancelled).
    private static func outcome(of check: DoctorCheck) async -> DoctorCheck.Outcome {
        await withTaskGroup(of: DoctorCheck.Outcome?.self) { group in
            group.addTask { await check.look() }
            group.addTask {
                try? await Task.sleep(for: check.timeout)
                return nil
            }
            defer { group.cancelAll() }
            let first = await group.next() ?? nil
            return first
                ?? .warning(
                    "Could not tell within \(check.timeout.components.seconds) s.",
                    fix: "Run cinema doctor again when the machine is less busy; if it stays slow, look at this part by hand."
                )
        }
    }
}
