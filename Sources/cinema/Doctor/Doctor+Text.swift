extension Doctor.Report {
    /// One line per check (✓ ok, ! warning, ✗ failed) with its fix indented below, then a summary.
    var text: String {
        var lines: [String] = []
        for check in checks {
            let mark =
                switch check.status {
                case .ok: "✓"
                case .warning: "!"
                case .failed: "✗"
                }
            lines.append("\(mark) \(check.name): \(check.found)")
            if let fix = check.fix { lines.append("    fix: \(fix)") }
        }
        let warnings = checks.filter { $0.status == .warning }.count
        let failed = checks.filter { $0.status == .failed }.count
        let counts = "\(checks.count - warnings - failed) ok, \(warnings) warning\(warnings == 1 ? "" : "s"), \(failed) failed"
        lines.append(
            canRun
                ? "\(counts): the installation can run\(warnings > 0 ? ", with less than it could" : "")."
                : "\(counts): the installation cannot run until the failed checks are fixed."
        )
        return lines.joined(separator: "\n")
    }
}
