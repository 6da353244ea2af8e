public import Configuration
import Foundation
import SystemPackage

/// Builds the one `ConfigReader` every command reads from, so that precedence is the same
/// everywhere: command-line flags, then `CINEMA_*` environment variables, then a `.env` file in
/// the working directory, then each module's defaults.
///
/// Keys are dotted and camel-cased (`clip.padBefore`); in the environment and in `.env` they are
/// prefixed with `CINEMA_` and upper-snake-cased (`CINEMA_CLIP_PAD_BEFORE`).
public enum ConfigurationLayers {
    public static func reader(
        flags: ConfigOverrides = ConfigOverrides(),
        environment: [String: String],
        dotEnvPath: String? = ".env"
    ) async throws -> ConfigReader {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags.values),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: prefix),
        ]
        if let dotEnvPath {
            let dotEnv = try await EnvironmentVariablesProvider(environmentFilePath: FilePath(dotEnvPath), allowMissing: true)
            providers.append(dotEnv.prefixKeys(with: prefix))
        }
        // Last: names other tools use for the same settings (OPENAI_API_KEY…), so that a machine
        // already set up for them works, while CINEMA_* still wins.
        providers.append(
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .dynamic { key, _ in key.hasSuffix("_KEY") })
                .mapKeys { key in aliases[key.components.joined(separator: ".")].map { AbsoluteConfigKey($0) } ?? unaliased }
        )
        return ConfigReader(providers: providers)
    }

    private static let prefix = ConfigKey("cinema")

    /// Configuration key → the other name's key (the environment provider upper-snake-cases it).
    static let aliases: [String: [String]] = [
        "openai.apiKey": ["openai", "apiKey"],  // OPENAI_API_KEY
        "openai.baseUrl": ["openai", "baseUrl"],  // OPENAI_BASE_URL
        "anthropic.apiKey": ["anthropic", "apiKey"],  // ANTHROPIC_API_KEY
        // The seed's device settings.
        "room.url": ["daily", "room", "url"],  // DAILY_ROOM_URL
        "token": ["daily", "token"],  // DAILY_TOKEN
        "backend.url": ["backend", "url"],  // BACKEND_URL
        "player.url": ["video", "service", "url"],  // VIDEO_SERVICE_URL
    ]

    /// A key no environment holds, for everything that has no alias.
    private static let unaliased = AbsoluteConfigKey(["cinema", "no", "alias"])
}

/// Values given on the command line, keyed like the configuration (`clip.padBefore`).
/// Options left unset are simply absent, so the lower layers decide.
public struct ConfigOverrides: Sendable {
    public private(set) var values: [AbsoluteConfigKey: ConfigValue] = [:]

    public init() {}

    public mutating func set(_ key: String, _ value: String?) { put(key, value.map { .string($0) }) }
    public mutating func set(_ key: String, _ value: Int?) { put(key, value.map { .int($0) }) }
    public mutating func set(_ key: String, _ value: Double?) { put(key, value.map { .double($0) }) }
    public mutating func set(_ key: String, _ value: Bool?) { put(key, value.map { .bool($0) }) }

    private mutating func put(_ key: String, _ content: ConfigContent?) {
        guard let content else { return }
        values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: false)
    }
}

extension ConfigReader {
    /// A comma-separated setting (`lobby, attic`): its items, trimmed, without empty ones.
    public func list(forKey key: ConfigKey) -> [String] {
        (string(forKey: key) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
