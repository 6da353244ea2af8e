import ArgumentParser
import CinemaCore
import CinemaSpeech
import Foundation

extension SystemdUnit.Role: ExpressibleByArgument {}

struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Cinema Chat unattended: write systemd units for the roles this machine runs, and start them.",
        discussion: """
            One unit per role (cinema-up.service, cinema-backend.service, cinema-station.service,
            cinema-player.service): Type=notify (each role says when it serves and shows it is
            alive to systemd's watchdog, which restarts it when it hangs), restarted whenever it
            ends, run as a dedicated user (created when missing) with its data in --home, and
            hardened. Settings for every role go in /etc/default/cinema (CINEMA_* variables);
            arguments after -- go to the role's command (cinema install --role up -- --host 0.0.0.0).
            Logs go to the journal: journalctl -u cinema-up. Needs root (sudo). `cinema uninstall`
            removes what this wrote.
            """
    )

    @Option(help: ArgumentHelp("up (everything on this machine), backend, station or player; repeat for several.", valueName: "role"))
    var role: [SystemdUnit.Role] = []

    @Option(help: ArgumentHelp("The user the roles run as; created (a system user) when missing. (default: cinema)", valueName: "name"))
    var user = "cinema"

    @Option(name: .customLong("home"), help: ArgumentHelp("The data directory, the user's home. (default: /var/lib/cinema)", valueName: "dir"))
    var dataDirectory = "/var/lib/cinema"

    @Option(help: ArgumentHelp("Where the units go. (default: /etc/systemd/system)", valueName: "dir"))
    var unitsDir = SystemdHost.defaultUnitsDirectory

    @Option(help: ArgumentHelp("The cinema the units run. (default: this one)", valueName: "path"))
    var binary: String?

    @Flag(help: "Print the units and what would be done; change nothing.")
    var dryRun = false

    @Flag(help: "Write the units and the record of them only: no user, no systemctl (to prepare or check them).")
    var unitsOnly = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("Arguments for each role's command, after --.", valueName: "argument"))
    var arguments: [String] = []

    func validate() throws {
        guard !role.isEmpty else {
            throw ValidationError("Say which roles this machine runs: --role up (everything), or --role backend, --role station, --role player.")
        }
        if role.contains(.up) && role.count > 1 {
            throw ValidationError("--role up already runs the backend, the station and the player: give it alone, or the roles apart.")
        }
        do {
            try SystemdUnit.check(path: unitsDir, option: "--units-dir")
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let units = try Self.units(roles: role, user: user, home: dataDirectory, binary: binary ?? Self.thisExecutable, arguments: arguments)
        let names = units.map(\.name)
        if let closed = SystemdHost.closedToOthers(units[0].binary), user != "root" {
            Announcement.say(
                "Warning: \(closed) is closed to other users, so \(user) cannot run \(units[0].binary): build Cinema Chat where others can read it, or allow them (chmod o+x \(closed))."
            )
        }
        // The model service's environment may lead to a Python only its installer can reach.
        if case .success(let models) = ModelServiceInstallation.find(), user != "root" {
            let python = ModelServiceInstallation.linkTarget(of: models.python)
            if let closed = SystemdHost.closedToOthers(python) {
                Announcement.say(
                    "Warning: the model service's Python is \(python), and \(closed) is closed to other users, so \(user) will hear visitors with pocketsphinx only. Make its environment with the system's Python: rm -rf \(models.folder)/.venv && PYTHON=/usr/bin/python3 \(models.folder)/install."
                )
            }
        }
        let commands = ["systemctl daemon-reload", "systemctl enable --now \(names.joined(separator: " "))"]
        if dryRun {
            for unit in units { print("# \(unitsDir)/\(unit.name)\n\(unit.text)") }
            print("# then, as root: create the user \(user) if missing, make \(dataDirectory), and run: \(commands.joined(separator: "; "))")
            return
        }
        guard unitsOnly || SystemdHost.isRoot else {
            throw CommandError(
                "cinema install creates the user \(user) and writes to \(unitsDir): run it as root (sudo \(CommandLine.arguments.joined(separator: " "))), or with --dry-run to see what it would write."
            )
        }
        var createdUser = false
        if !unitsOnly {
            if !SystemdHost.userExists(user) {
                try await SystemdHost.createUser(user, home: dataDirectory)
                createdUser = true
                Announcement.say("Created the system user \(user) (home \(dataDirectory)).")
            }
            try SystemdHost.prepareHome(dataDirectory, user: user, group: SystemdHost.primaryGroup(of: user) ?? user)
        }

        let previous = try InstalledUnits.read(in: unitsDir)
        do {
            try FileManager.default.createDirectory(atPath: unitsDir, withIntermediateDirectories: true)
            for unit in units {
                try Data(unit.text.utf8).write(to: URL(fileURLWithPath: unitsDir + "/" + unit.name), options: .atomic)
            }
            let record = InstalledUnits(
                units: (previous?.units ?? []) + names.filter { !(previous?.units ?? []).contains($0) },
                user: user,
                home: dataDirectory,
                createdUser: createdUser || previous?.createdUser == true
            )
            try record.write(in: unitsDir)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("Could not write the units into \(unitsDir): \(error).")
        }
        Announcement.say("Wrote \(names.map { unitsDir + "/" + $0 }.joined(separator: ", ")).")

        if !unitsOnly && SystemdHost.isRunning {
            try await SystemdHost.systemctl(["daemon-reload"])
            try await SystemdHost.systemctl(["enable", "--now"] + names)
            Announcement.say("Started and enabled at boot: \(names.joined(separator: ", ")). Logs: journalctl -u \(names[0]) -f")
        } else {
            let why =
                unitsOnly
                ? "--units-only leaves systemd alone"
                : "systemd is not running on this machine (PID 1 is \(SystemdHost.initName))"
            Announcement.say("\(why): once it runs them from \(unitsDir), start them with: \(commands.joined(separator: " && "))")
        }
    }

    /// The units for `roles`, every value checked.
    static func units(roles: [SystemdUnit.Role], user: String, home: String, binary: String, arguments: [String]) throws -> [SystemdUnit] {
        let groups = SystemdHost.existingGroups(SystemdUnit.deviceGroupNames)
        let units: [SystemdUnit]
        do {
            units = try roles.map { role throws(SystemdUnitError) in
                try SystemdUnit(
                    role: role,
                    user: user,
                    group: SystemdHost.primaryGroup(of: user),
                    home: home,
                    binary: binary,
                    arguments: arguments,
                    deviceGroups: groups
                )
            }
        } catch {
            throw ValidationError(error.description)
        }
        guard access(binary, X_OK) == 0 else {
            throw ValidationError(
                "--binary \(binary) is not an executable file: give the path of the cinema to run (for example .build/release/cinema)."
            )
        }
        return units
    }

    /// This executable, through any symbolic link, so that the units keep working if the link moves.
    static var thisExecutable: String {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath().path
    }
}
