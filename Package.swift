// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cinema-chat",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cinema", targets: ["cinema"]),
        .executable(name: "cinema-bench", targets: ["CinemaBenchmarks"]),
        .library(name: "CinemaLibrary", targets: ["CinemaLibrary"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // Shared value types and configuration: every other target builds on this one.
        .target(
            name: "CinemaCore",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        // Subtitle parsing, media probing, indexing and search over library.sqlite.
        .target(
            name: "CinemaStorage",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CinemaLibrary",
            dependencies: [
                "CinemaStorage",
                "CinemaCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // Choosing the clip that answers the visitor: retrieval and LLM directors, their tools,
        // and the same tools served over MCP.
        .target(
            name: "CinemaDirector",
            dependencies: [
                "CinemaCore",
                "CinemaLibrary",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // The backend: sessions, rooms over WebSocket, the status API, metrics.
        .target(
            name: "CinemaBackend",
            dependencies: [
                "CinemaStorage",
                "CinemaHTTP",
                "CinemaSpeech",
                "CinemaCore",
                "CinemaLibrary",
                "CinemaDirector",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        // The one executable: thin subcommands over the library targets.
        .executableTarget(
            name: "cinema",
            dependencies: [
                "CinemaCore",
                "CinemaLibrary",
                "CinemaDirector",
                "CinemaBackend",
                "CinemaPlayer",
                "CinemaDevice",
                "CinemaStation",
                "CinemaSpeech",
                "CinemaHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks run in release mode, outside the test suite (see BENCHMARKS.md).
        .executableTarget(
            name: "CinemaBenchmarks",
            dependencies: [
                "CinemaCore",
                "CinemaLibrary",
                "CinemaDirector",
                "CinemaSpeech",
                "CinemaBackend",
                "CinemaStation",
                "CinemaTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Debian's libpocketsphinx (libpocketsphinx-dev, pocketsphinx-en-us): the offline recognizer.
        .systemLibrary(
            name: "CPocketSphinx",
            pkgConfig: "pocketsphinx",
            providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]
        ),
        // What the HTTP services share: JSON errors with a sentence for people, JSON bodies,
        // the operator's token.
        .target(
            name: "CinemaHTTP",
            dependencies: [
                "CinemaCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The TV's picture: one long-lived mpv over its JSON IPC socket.
        .target(
            name: "CinemaPlayer",
            dependencies: [
                "CinemaCore",
                "CinemaHTTP",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // The station: the dashboard's server, and one supervised client process per session.
        .target(
            name: "CinemaStation",
            dependencies: [
                "CinemaStorage",
                "CinemaCore",
                "CinemaHTTP",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Dashboard")],
            swiftSettings: swiftSettings
        ),
        // The TV's client for one session: the room, the microphone, the player.
        .target(
            name: "CinemaDevice",
            dependencies: [
                "CinemaCore",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hearing the visitor: voice activity, speech-to-text, transcripts worth a turn.
        .target(
            name: "CinemaSpeech",
            dependencies: [
                "CinemaCore",
                "CinemaLibrary",
                "CPocketSphinx",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets: temp homes, fixture paths, media generation, a room client.
        .target(
            name: "CinemaTestSupport",
            dependencies: [
                "CinemaCore",
                "CinemaLibrary",
                "CinemaSpeech",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaCoreTests",
            dependencies: ["CinemaCore", "CinemaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaStorageTests",
            dependencies: ["CinemaStorage", "CinemaTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaBackendTests",
            dependencies: [
                "CinemaBackend", "CinemaHTTP", "CinemaDirector", "CinemaLibrary", "CinemaCore", "CinemaTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaPlayerTests",
            dependencies: [
                "CinemaPlayer", "CinemaCore", "CinemaTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaDeviceTests",
            dependencies: ["CinemaDevice", "CinemaCore", "CinemaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaSpeechTests",
            dependencies: ["CinemaSpeech", "CinemaDirector", "CinemaLibrary", "CinemaCore", "CinemaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaDirectorTests",
            dependencies: ["CinemaDirector", "CinemaLibrary", "CinemaCore", "CinemaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CinemaLibraryTests",
            dependencies: ["CinemaLibrary", "CinemaCore", "CinemaTestSupport", "CinemaSpeech"],
            swiftSettings: swiftSettings
        ),
        // The station in process: its API on a free loopback port over a real station.sqlite, and
        // its supervisor starting real `cinema client` processes (hence "cinema", built first).
        .testTarget(
            name: "CinemaStationTests",
            dependencies: [
                "cinema", "CinemaStation", "CinemaCore", "CinemaTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built `cinema` binary the way a user would.
        .testTarget(
            name: "CinemaCLITests",
            dependencies: ["cinema", "CinemaCore", "CinemaStation", "CinemaTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
    ]
)
