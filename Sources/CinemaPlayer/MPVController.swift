public import CinemaCore
import Foundation
import NIOCore
import NIOPosix
import Subprocess
import SystemPackage

/// One long-lived mpv, driven over its JSON IPC socket: commands with request ids, and the
/// events it sends (`start-file`, `file-loaded`, `playback-restart`, `end-file`, …).
///
/// Debian 12 ships mpv 0.35, whose `loadfile` takes named fields in a JSON object (`url`,
/// `flags`, `options`); the positional form with an index argument is 0.38's.
public actor MPVController {
    public struct Options: Sendable {
        public var executable = "/usr/bin/mpv"
        /// No window and no sound: tests, and servers without a display.
        public var headless = false
        /// More mpv options (`--fullscreen`, `--drm-device=…`, `--audio-device=…`).
        public var arguments: [String] = []
        /// How long a play may take to start before it counts as failed.
        public var startTimeout: Duration = .seconds(10)
        /// mpv is asked how it is this often, and one that does not answer within the limit
        /// is taken for hung: it is killed and started again.
        public var healthInterval: Duration = .seconds(5)
        public var healthTimeout: Duration = .seconds(5)

        public init() {}
    }

    /// A clip that began: where mpv says playback started, and how long the file is (nil when
    /// mpv cannot tell, as for a live stream).
    public struct Started: Sendable, Equatable {
        public var position: Double
        public var duration: Double?
    }

    public enum Event: Sendable, Equatable {
        /// Playback of the loaded span began (mpv's `playback-restart`).
        case started
        /// The file ended: `eof`, `stop`, `quit`, `error`, `redirect` or `unknown`.
        case ended(reason: String, error: String?)
        /// Any other event, by name.
        case other(String)
    }

    public let options: Options
    public let socketPath: String
    private var connection: IPCConnection?
    private var nextRequest = 1
    private var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
    private var listeners: [UUID: AsyncStream<Event>.Continuation] = [:]
    private var closedWaiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    /// The loaded file's length as mpv last reported it (observed, so that it arrives in order
    /// with the events: a span starting past the end may end before a question could be asked).
    private var duration: Double?

    public init(options: Options = Options(), socketPath: String) {
        self.options = options
        self.socketPath = socketPath
    }

    /// The mpv command line: idle between clips, controlled only over the socket, and no
    /// subtitles found by itself next to a film (the overlay is the only text on screen).
    public nonisolated var commandLine: [String] {
        var arguments = [
            "--idle=yes", "--input-ipc-server=\(socketPath)", "--no-terminal", "--no-config", "--keep-open=no",
            "--sub-auto=no",
            "--force-window=\(options.headless ? "no" : "yes")",
        ]
        if options.headless { arguments += ["--vo=null", "--ao=null"] }
        return arguments + options.arguments
    }

    /// Connects to a running mpv's socket (it appears a moment after mpv starts).
    public func connect(within limit: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + limit
        var delay = Duration.milliseconds(10)
        while true {
            do {
                let connection = try await IPCConnection.open(socketPath)
                self.connection = connection
                Task { await self.read(connection) }
                break
            } catch {
                guard ContinuousClock.now + delay < deadline else {
                    throw PlayerError.mpvUnreachable("no mpv answered on \(socketPath) within \(limit): \(error)")
                }
                // mpv creates the socket shortly after it starts; nothing signals that, so the
                // connection is retried with a growing pause.
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(200))
            }
        }
        try await command(.array([.string("observe_property"), .number(Double(Self.durationObserver)), .string("duration")]))
    }

    /// Sends a command and returns its `data`; mpv's own error string otherwise.
    @discardableResult
    public func command(_ command: JSONValue) async throws -> JSONValue {
        guard let connection else { throw PlayerError.mpvUnreachable("not connected to mpv") }
        let id = nextRequest
        nextRequest += 1
        let line = JSONValue.object(["command": command, "request_id": .number(Double(id))])
        // Cancellable, so that a wait with a limit can give up on an mpv that stopped answering.
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                pending[id] = continuation
                Task {
                    do {
                        try await connection.send(line)
                    } catch {
                        self.fail(id, error)
                    }
                }
            }
        } onCancel: {
            Task { await self.fail(id, CancellationError()) }
        }
    }

    /// Plays `[start, end)` of `url` (a path or a URL) in place of whatever plays, and returns
    /// once mpv reports playback started.
    /// `end` nil plays to the end; `extra` are more per-file options (`loop-file`).
    public func play(_ url: String, start: Double, end: Double?, extra: [String: String] = [:]) async throws -> Started {
        let (events, key) = subscribe()
        defer { unsubscribe(key) }
        var fields = extra.mapValues(JSONValue.string)
        fields["start"] = .string(Self.seconds(start))
        if let end { fields["end"] = .string(Self.seconds(end)) }
        try await command(.object(["name": .string("loadfile"), "url": .string(url), "flags": .string("replace"), "options": .object(fields)]))
        let limit = self.options.startTimeout
        let started = try await Deadline.within(limit) {
            // What comes before this file's start-file belongs to the file it replaces (a
            // looping idle screen restarts playback too).
            var loading = false
            for await event in events {
                switch event {
                case .other("start-file"):
                    loading = true
                case .started where loading:
                    // mpv reports the length when the file is loaded, before playback starts.
                    return Started(position: start, duration: await self.duration)
                case .ended(let reason, let error) where loading && reason == "error":
                    throw PlayerError.unplayable("mpv could not play \(url): \(error ?? "no reason given")")
                default:
                    continue
                }
            }
            throw PlayerError.mpvUnreachable("mpv went away while starting \(url)")
        }
        guard var result = started else { throw PlayerError.unplayable("mpv did not start \(url) within \(limit)") }
        if case .number(let position) = try? await command(.array([.string("get_property"), .string("time-pos")])) {
            result.position = position
        }
        return result
    }

    /// Events from now on, until `unsubscribe`.
    public func subscribe() -> (AsyncStream<Event>, UUID) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(64))
        let key = UUID()
        listeners[key] = continuation
        return (stream, key)
    }

    public func unsubscribe(_ key: UUID) {
        listeners.removeValue(forKey: key)?.finish()
    }

    private func read(_ connection: IPCConnection) async {
        for await message in connection.messages {
            if let id = message["request_id"]?.doubleValue, let continuation = pending.removeValue(forKey: Int(id)) {
                if message["error"]?.stringValue == "success" {
                    continuation.resume(returning: message["data"] ?? .null)
                } else {
                    continuation.resume(throwing: PlayerError.commandFailed(message["error"]?.stringValue ?? "unknown error"))
                }
            } else if let name = message["event"]?.stringValue {
                if name == "property-change", message["id"]?.doubleValue == Double(Self.durationObserver) {
                    duration = message["data"]?.doubleValue
                }
                let event: Event
                switch name {
                case "playback-restart": event = .started
                case "end-file": event = .ended(reason: message["reason"]?.stringValue ?? "unknown", error: message["file_error"]?.stringValue)
                default: event = .other(name)
                }
                for listener in listeners.values { listener.yield(event) }
            }
        }
        // The socket closed: mpv is gone.
        self.connection = nil
        for (_, continuation) in pending { continuation.resume(throwing: PlayerError.mpvUnreachable("mpv closed its socket")) }
        pending.removeAll()
        for listener in listeners.values { listener.finish() }
        listeners.removeAll()
        closed = true
        for waiter in closedWaiters { waiter.resume() }
        closedWaiters.removeAll()
    }

    /// Returns when mpv has closed its socket: it quit, crashed or was killed.
    public func waitUntilClosed() async {
        if closed { return }
        await withCheckedContinuation { closedWaiters.append($0) }
    }

    /// mpv's process id, as it reports it.
    public func processID() async throws -> Int32 {
        guard case .number(let pid) = try await command(.array([.string("get_property"), .string("pid")])) else {
            throw PlayerError.commandFailed("mpv did not report its pid")
        }
        return Int32(pid)
    }

    private func fail(_ id: Int, _ error: any Error) {
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// The id `observe_property` gives the file's duration.
    private static let durationObserver = 1
}

public enum PlayerError: Error, CustomStringConvertible, Equatable {
    case mpvUnreachable(String)
    case commandFailed(String)
    case unplayable(String)
    /// The span starts at or past the end of the film, which is `duration` seconds long.
    case spanOutsideFilm(start: Double, duration: Double, source: String)
    /// No picture to capture: the screen is black between clips.
    case nothingOnScreen

    public var description: String {
        switch self {
        case .mpvUnreachable(let detail): "The player's mpv cannot be reached: \(detail)"
        case .commandFailed(let detail): "mpv refused the command: \(detail)"
        case .unplayable(let detail): "The clip cannot be played: \(detail)"
        case .spanOutsideFilm(let start, let duration, let source):
            "The clip starts at \(String(format: "%.2f", start)) s, but \(source) is only \(String(format: "%.2f", duration)) s long. Ask for a span that starts before the film's end."
        case .nothingOnScreen: "Nothing is on screen to capture: the idle screen is black. Play a clip, or use --idle static."
        }
    }
}

extension MPVController {
    /// Runs mpv for as long as `body` runs, connected, then asks it to quit. The process is
    /// started with an argument list, never through a shell.
    public static func withMPV<T: Sendable>(
        options: Options = Options(),
        socketPath: String,
        _ body: @Sendable (MPVController) async throws -> T
    ) async throws -> T {
        let controller = MPVController(options: options, socketPath: socketPath)
        try? FileManager.default.removeItem(atPath: socketPath)
        let result = try await Subprocess.run(
            .path(FilePath(options.executable)),
            arguments: Arguments(controller.commandLine),
            input: .none,
            output: .discarded,
            error: .discarded
        ) { _ in
            try await controller.connect()
            do {
                let value = try await body(controller)
                _ = try? await controller.command(.array([.string("quit")]))
                return value
            } catch {
                _ = try? await controller.command(.array([.string("quit")]))
                throw error
            }
        }
        return result.closureResult
    }
}
