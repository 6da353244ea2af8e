import CinemaCore
import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// What `cinema install` wrote into a units directory, kept beside the units so that
/// `cinema uninstall` removes exactly that and nothing else.
struct InstalledUnits: Codable, Equatable {
    /// The unit files' names, in the units directory.
    var units: [String]
    var user: String
    var home: String
    /// Whether `cinema install` created the user (it is left in place: its home holds the data).
    var createdUser: Bool

    static let fileName = "cinema-installed-units.json"

    static func path(in directory: String) -> String { directory + "/" + fileName }

    /// The record in `directory`, or nil when nothing was installed there.
    static func read(in directory: String) throws -> InstalledUnits? {
        let path = path(in: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(InstalledUnits.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandError(
                "Could not read \(path), the record of what `cinema install` wrote: \(error). Remove the cinema-*.service files there by hand."
            )
        }
    }

    func write(in directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: Self.path(in: directory)), options: .atomic)
    }
}

/// The system's side of an installation: the dedicated user, and systemd itself.
enum SystemdHost {
    static let defaultUnitsDirectory = "/etc/systemd/system"

    /// Whether systemd manages this machine (what sd_booted checks).
    static var isRunning: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: "/run/systemd/system", isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// What runs as PID 1 here, to say why systemd cannot be asked.
    static var initName: String {
        (try? String(contentsOfFile: "/proc/1/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    }

    static var isRoot: Bool { geteuid() == 0 }

    static func userExists(_ name: String) -> Bool { getpwnam(name) != nil }

    /// The name of `user`'s own group, when the user exists (a user made by `cinema install`
    /// has one of its own name; `nobody`'s is `nogroup`).
    static func primaryGroup(of user: String) -> String? {
        guard let entry = getpwnam(user), let group = getgrgid(entry.pointee.pw_gid) else { return nil }
        return String(cString: group.pointee.gr_name)
    }

    /// Those of `names` that are groups on this machine.
    static func existingGroups(_ names: [String]) -> [String] { names.filter { getgrnam($0) != nil } }

    /// The first directory on the way to `path` (or `path` itself) that a user other than its
    /// owner cannot pass through, if any: a checkout in a home closed to others, for example.
    static func closedToOthers(_ path: String) -> String? {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            guard let mode = (try? FileManager.default.attributesOfItem(atPath: prefix))?[.posixPermissions] as? Int else { return prefix }
            if mode & 0o001 == 0 { return prefix }
        }
        return nil
    }

    /// Creates `user` as a system user with its own group, `home` as its home and no login.
    static func createUser(_ user: String, home: String) async throws {
        try await run(
            "/usr/sbin/useradd",
            ["--system", "--user-group", "--home-dir", home, "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            doing: "create the user \(user)"
        )
    }

    /// Makes `home` if it is missing, owned by `user` and `group`, for the data.
    static func prepareHome(_ home: String, user: String, group: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            try FileManager.default.setAttributes([.ownerAccountName: user, .groupOwnerAccountName: group], ofItemAtPath: home)
        } catch {
            throw CommandError("Could not prepare \(home) as the home of \(user): \(error). Choose another with --home.")
        }
    }

    static func systemctl(_ arguments: [String]) async throws {
        try await run("/usr/bin/systemctl", arguments, doing: "run systemctl \(arguments.joined(separator: " "))")
    }

    private static func run(_ program: String, _ arguments: [String], doing: String) async throws {
        let (status, said): (TerminationStatus, String)
        do {
            let result = try await Subprocess.run(
                .path(FilePath(program)),
                arguments: Arguments(arguments),
                output: .discarded,
                error: .string(limit: 1 << 16)
            )
            (status, said) = (result.terminationStatus, result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw CommandError("Could not \(doing): \(program) did not start (\(error)).")
        }
        guard status.isSuccess else {
            throw CommandError("Could not \(doing): \(program) failed (\(status))\(said.isEmpty ? "" : ": \(said)").")
        }
    }
}
