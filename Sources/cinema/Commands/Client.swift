import ArgumentParser
import CinemaCore
import CinemaDevice
import Configuration
import Foundation
import Logging
import UnixSignals

struct Client: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one session's device: join its room, stream the microphone, play the clips it is sent on the player.",
        discussion: """
            The station starts one client per session with the room URL and token from
            POST /api/connect. The client reports each clip's start and end to the room,
            reconnects with backoff while the session lives, and exits 0 when the backend says
            the session has ended (after stopping the player's clip). It exits 2 when the backend
            refuses it for good (a bad token, an unknown session) and 1 when the room stays
            unreachable past --give-up-after. One log line per event, with the session id.

            The seed's names are read too: DAILY_ROOM_URL, DAILY_TOKEN, BACKEND_URL, VIDEO_SERVICE_URL.
            """
    )

    @Option(name: .customLong("room-url"), help: ArgumentHelp("The room: ws://HOST:8765/rooms/ID. (env: CINEMA_ROOM_URL)", valueName: "url"))
    var roomURL: String?

    @Option(help: ArgumentHelp("The room token. (env: CINEMA_TOKEN)", valueName: "token"))
    var token: String?

    @Option(
        name: .customLong("backend-url"),
        help: ArgumentHelp("The backend: films stream from it alone. (env: CINEMA_BACKEND_URL; default: from the room URL)", valueName: "url")
    )
    var backendURL: String?

    @Option(
        name: .customLong("player-url"),
        help: ArgumentHelp("The player. (env: CINEMA_PLAYER_URL; default: http://127.0.0.1:5000)", valueName: "url")
    )
    var playerURL: String?

    @Option(help: ArgumentHelp("A WAV file to use as the microphone, played in real time. (env: CINEMA_AUDIO_FILE)", valueName: "file.wav"))
    var audioFile: String?

    @Option(help: ArgumentHelp("An ALSA capture device, such as plughw:1,0 (see arecord -l). (env: CINEMA_AUDIO_DEVICE)", valueName: "name"))
    var audioDevice: String?

    @Flag(help: "No microphone: typed turns only, even when one is configured.")
    var noMicrophone = false

    @Option(
        help: ArgumentHelp(
            "Directories whose films are read from disk, separated by ':'; other films stream from the backend. (env: CINEMA_MEDIA_ROOTS; default: the data directory)",
            valueName: "dirs"
        )
    )
    var mediaRoots: String?

    @Flag(help: "Show the visitor's words and the film's line over each clip. (env: CINEMA_OVERLAY)")
    var overlay = false

    @Option(
        help: ArgumentHelp("Seconds to keep trying an unreachable room before exiting 1. (env: CINEMA_GIVE_UP_AFTER; default: 300)", valueName: "s")
    )
    var giveUpAfter: Double?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if audioFile != nil && audioDevice != nil {
            throw ValidationError("Give --audio-file or --audio-device, not both.")
        }
    }

    func run() async throws {
        var flags = ConfigOverrides()
        flags.set("room.url", roomURL)
        flags.set("token", token)
        flags.set("backend.url", backendURL)
        flags.set("player.url", playerURL)
        flags.set("audio.file", audioFile)
        flags.set("audio.device", audioDevice)
        flags.set("media.roots", mediaRoots)
        flags.set("overlay", overlay ? true : nil)
        flags.set("giveUpAfter", giveUpAfter)
        let context = try await global.context(flags: flags, defaultLogLevel: "info")
        let reader = context.reader
        guard let room = reader.string(forKey: "room.url"), !room.isEmpty else {
            throw ValidationError("No room to join. Give --room-url ws://HOST:8765/rooms/ID (or CINEMA_ROOM_URL), as POST /api/connect returns it.")
        }
        let microphone: DeviceConfiguration.Microphone
        if noMicrophone {
            microphone = .none
        } else if let file = reader.string(forKey: "audio.file"), !file.isEmpty {
            microphone = .file(AbsolutePath.resolve(file))
        } else if let device = reader.string(forKey: "audio.device"), !device.isEmpty {
            microphone = .alsa(device)
        } else {
            microphone = .none
        }
        let roots = reader.string(forKey: "media.roots", default: context.home.path).split(separator: ":").map { AbsolutePath.resolve(String($0)) }
        let configuration: DeviceConfiguration
        do {
            configuration = try DeviceConfiguration(
                roomURL: try Self.url(room, "room"),
                token: reader.string(forKey: "token"),
                backendURL: try reader.string(forKey: "backend.url").map { try Self.url($0, "backend") },
                playerURL: try Self.url(reader.string(forKey: "player.url", default: "http://127.0.0.1:5000"), "player"),
                playerToken: reader.string(forKey: "player.token", isSecret: true),
                microphone: microphone,
                mediaRoots: roots,
                overlay: reader.bool(forKey: "overlay", default: false),
                giveUpAfter: .seconds(max(1, reader.double(forKey: "giveUpAfter", default: 300)))
            )
        } catch let error as DeviceConfigurationError {
            throw ValidationError(error.description)
        }
        var logger = context.logger
        logger[metadataKey: "session"] = "\(configuration.sessionID)"
        let client = try DeviceClient(configuration: configuration, logger: logger)

        // SIGTERM (the station stopping it) or Ctrl-C: leave the room and exit 0. The session is
        // not ended: a client started again may rejoin it.
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let outcome: Result<String, any Error>? = await withTaskGroup(of: Result<String, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await client.run())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success(let reason)?:
            logger.info("Session ended (\(reason)); exiting")
        case nil:
            logger.info("Stopped by a signal; leaving the room")
        case .failure(let error as DeviceError)?:
            try? FileHandle.standardError.write(contentsOf: Data("cinema client: \(error.description)\n".utf8))
            if case .refused = error { throw ExitCode(2) }
            throw ExitCode(1)
        case .failure(let error)?:
            throw error
        }
    }

    private static func url(_ text: String, _ name: String) throws -> URL {
        guard let url = URL(string: text) else { throw ValidationError("The \(name) URL '\(text)' is not a URL.") }
        return url
    }
}
