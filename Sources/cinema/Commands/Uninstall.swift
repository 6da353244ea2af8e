import ArgumentParser
import Foundation

struct Uninstall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop and remove the systemd units `cinema install` wrote.",
        discussion: """
            Stops and disables each unit it recorded, removes them and the record, and reloads
            systemd. The user and its data directory stay: remove them by hand (userdel, rm -r)
            when the data is no longer wanted.
            """
    )

    @Option(help: ArgumentHelp("Where the units are. (default: /etc/systemd/system)", valueName: "dir"))
    var unitsDir = SystemdHost.defaultUnitsDirectory

    @Flag(help: "Remove the unit files and their record only: no systemctl.")
    var unitsOnly = false

    func run() async throws {
        guard let installed = try InstalledUnits.read(in: unitsDir) else {
            throw CommandError("Nothing to uninstall: \(unitsDir) has no \(InstalledUnits.fileName), so `cinema install` did not write units there.")
        }
        guard unitsOnly || SystemdHost.isRoot else {
            throw CommandError("cinema uninstall stops the units and removes them from \(unitsDir): run it as root (sudo cinema uninstall).")
        }
        let askSystemd = !unitsOnly && SystemdHost.isRunning
        if askSystemd { try await SystemdHost.systemctl(["disable", "--now"] + installed.units) }
        for name in installed.units {
            let path = unitsDir + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw CommandError("Could not remove \(path): \(error).")
            }
        }
        try? FileManager.default.removeItem(atPath: InstalledUnits.path(in: unitsDir))
        if askSystemd { try await SystemdHost.systemctl(["daemon-reload"]) }
        Announcement.say("Removed \(installed.units.joined(separator: ", ")) from \(unitsDir).")
        if !askSystemd && !unitsOnly {
            Announcement.say("systemd is not running on this machine (PID 1 is \(SystemdHost.initName)): nothing was stopped.")
        }
        Announcement.say(
            "The user \(installed.user) and its data in \(installed.home) are kept\(installed.createdUser ? " (userdel \(installed.user) removes the user)" : "")."
        )
    }
}
