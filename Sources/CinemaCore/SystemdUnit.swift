/// A systemd service unit for one role of Cinema Chat, as `cinema install` writes it: started
/// with `Type=notify` (the role says when it serves, and pets the watchdog while it answers),
/// restarted whatever ends it, run as a dedicated user, and shut off from what it does not need.
public struct SystemdUnit: Sendable, Equatable {
    /// What a machine runs: the whole installation, or one part of it.
    public enum Role: String, Sendable, CaseIterable, Codable {
        case up, backend, station, player

        /// The `cinema` subcommand that runs it.
        public var subcommand: String { self == .backend ? "serve" : rawValue }

        public var unitName: String { "cinema-\(rawValue).service" }

        var summary: String {
            switch self {
            case .up: "the whole installation (backend, station and player)"
            case .backend: "the backend (sessions, rooms, speech, the director)"
            case .station: "the station (dashboard, clients, and the player unless elsewhere)"
            case .player: "the TV's player (mpv)"
            }
        }

        /// Whether it plays or hears: the screen (DRM), the sound card and the microphone. The
        /// station hosts the player unless told of another, and records the microphone.
        public var usesDevices: Bool { self != .backend }

        /// How long it may take to say it serves: `cinema up` makes and indexes the demo library
        /// on its first start (minutes on a small machine), and the backend waits for the model
        /// service to load Whisper.
        var startLimit: String {
            switch self {
            case .up: "30min"
            case .backend: "10min"
            case .station, .player: "2min"
            }
        }
    }

    public let role: Role
    public let user: String
    /// The user's own group.
    public let group: String
    public let home: String
    public let binary: String
    /// Extra arguments for the subcommand (`--host 0.0.0.0`).
    public let arguments: [String]
    /// The groups that own the devices, of those that exist on this machine (a group systemd
    /// cannot find stops the unit from starting).
    public let deviceGroups: [String]

    /// A unit, once every value that goes into it is checked: paths absolute, and nothing a
    /// unit file would read otherwise than it was meant (whitespace, quotes, `%` specifiers,
    /// backslashes, control characters).
    public init(
        role: Role,
        user: String,
        group: String? = nil,
        home: String,
        binary: String,
        arguments: [String] = [],
        deviceGroups: [String]
    ) throws(SystemdUnitError) {
        guard Self.isUserName(user) else { throw .badUser(user) }
        guard Self.isUserName(group ?? user) else { throw .badUser(group ?? user) }
        try Self.check(path: home, option: "--home")
        try Self.check(path: binary, option: "--binary")
        for argument in arguments where !Self.isPlain(argument) || argument.isEmpty { throw .unsafe(option: "an argument after --", argument) }
        self.role = role
        self.user = user
        self.group = group ?? user
        self.home = home
        self.binary = binary
        self.arguments = arguments
        self.deviceGroups = deviceGroups
    }

    public var name: String { role.unitName }

    /// The unit file's text.
    public var text: String {
        let command = ([binary, role.subcommand] + arguments).joined(separator: " ")
        // Reading the binary (and the model service and dashboard beside it) from a checkout in
        // a home needs /home to be visible; it stays read-only.
        let homes = ["/home/", "/root/", "/run/user/"]
        let protectHome = homes.contains { binary.hasPrefix($0) || home.hasPrefix($0) } ? "read-only" : "yes"
        var service = [
            "Type=notify",
            "ExecStart=\(command)",
            "User=\(user)",
            "Group=\(group)",
            "WorkingDirectory=\(home)",
            "Environment=CINEMA_HOME=\(home) HOME=\(home)",
            // Settings for every role (CINEMA_*, as `cinema --help` lists them), kept across reinstalls.
            "EnvironmentFile=-/etc/default/cinema",
            "Restart=always",
            "RestartSec=5s",
            "WatchdogSec=30s",
            "TimeoutStartSec=\(role.startLimit)",
            // The command stops its clients, mpv and the model service itself within 15 s;
            // what is left after that is killed.
            "TimeoutStopSec=30s",
            "KillMode=mixed",
        ]
        if home.hasPrefix("/var/lib/") { service.append("StateDirectory=\(home.dropFirst("/var/lib/".count))") }
        service += [
            "ReadWritePaths=\(home)",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=\(protectHome)",
            "PrivateTmp=yes",
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectControlGroups=yes",
            "ProtectHostname=yes",
            // Netlink: the list of this machine's addresses, printed for the dashboard.
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
            "RestrictNamespaces=yes",
            "RestrictSUIDSGID=yes",
            "LockPersonality=yes",
            "SystemCallArchitectures=native",
            "UMask=0027",
        ]
        if role.usesDevices {
            // The screen, the sound card and the microphone are devices: no PrivateDevices, and
            // no option that would close the device list (ProtectClock, ProtectKernelLogs).
            if !deviceGroups.isEmpty { service.append("SupplementaryGroups=\(deviceGroups.joined(separator: " "))") }
        } else {
            service += ["PrivateDevices=yes", "ProtectClock=yes", "ProtectKernelLogs=yes", "RestrictRealtime=yes"]
        }
        return """
            # Written by `cinema install`; `cinema uninstall` removes it. Settings: /etc/default/cinema.
            [Unit]
            Description=Cinema Chat: \(role.summary)
            After=network.target sound.target
            # A gallery has nobody to start it again by hand: keep trying.
            StartLimitIntervalSec=0

            [Service]
            \(service.joined(separator: "\n"))

            [Install]
            WantedBy=multi-user.target

            """
    }

    /// The groups that own the screen, sound and input devices on Debian.
    public static let deviceGroupNames = ["video", "render", "audio", "input"]

    /// Throws unless `path` (given with `option`) is absolute and safe in a unit file.
    public static func check(path: String, option: String) throws(SystemdUnitError) {
        guard path.hasPrefix("/") else { throw .notAbsolute(option: option, path) }
        guard isPlain(path) else { throw .unsafe(option: option, path) }
    }

    static func isUserName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 32 else { return false }
        let lower = Set("abcdefghijklmnopqrstuvwxyz_".unicodeScalars)
        let rest = lower.union("0123456789-".unicodeScalars)
        return lower.contains(first) && name.unicodeScalars.allSatisfy { rest.contains($0) }
    }

    static func isPlain(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"%\"'\\$;`".unicodeScalars.contains(scalar)
        }
    }
}

/// A value `cinema install` will not write into a unit file, and why.
public enum SystemdUnitError: Error, Equatable, CustomStringConvertible {
    case badUser(String)
    case notAbsolute(option: String, String)
    case unsafe(option: String, String)

    public var description: String {
        switch self {
        case .badUser(let name):
            "'\(name)' cannot be a user name: use lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32 (for example --user cinema)."
        case .notAbsolute(let option, let path):
            "\(option) must be an absolute path (starting with /), not '\(path)'."
        case .unsafe(let option, let value):
            "\(option) '\(value.debugDescription.dropFirst().dropLast())' cannot go into a unit file: choose one without spaces, quotes, %, $, ;, backslashes or control characters."
        }
    }
}
