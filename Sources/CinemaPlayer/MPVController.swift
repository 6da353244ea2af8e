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
    /// Commands sent and not answered yet, by request id.
    private var pending: [Int: OneShot<JSONValue>] = [:]
    private var listeners: [UUID: AsyncStream<Event>.Continuation] = [:]
    /// Fulfilled when mpv has closed its socket: it quit, crashed or was killed.
    private let closed = OneShot<Void>()
    /// Why the socket closed, when it broke rather than closed: told when mpv is started again.
    private(set) var closeError: (any Error)?
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

    /// Sends a command and returns its `data`; mpv's own error string otherwise.
    @discardableResult
    public func command(_ command: JSONValue) async throws -> JSONValue {
        guard let connection else { throw PlayerError.mpvUnreachable("not connected to mpv") }
        let id = nextRequest
        nextRequest += 1
        // Registered before it is sent: the answer can arrive before `send` returns.
        let answer = OneShot<JSONValue>()
        pending[id] = answer
        defer { pending[id] = nil }
        try await connection.send(.object(["command": command, "request_id": .number(Double(id))]))
        // Cancellable, so that a wait with a limit can give up on an mpv that stopped answering.
        return try await answer.value()
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
        // mpv sends property changes when it gets to them: on a busy machine the length can
        // come after playback started, so it is asked for rather than missed.
        if result.duration == nil, case .number(let duration) = try? await command(.array([.string("get_property"), .string("duration")])) {
            result.duration = duration
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

    /// Reads until mpv closes its socket (or the read is cancelled), then fails what waits on it.
    private func read(_ connection: IPCConnection) async {
        do {
            try await connection.receive { message in await self.receive(message) }
        } catch is CancellationError {
            // Read no further: `withMPV` is ending.
        } catch {
            closeError = error
        }
        self.connection = nil
        // Closed first, so that whoever a failure below wakes finds mpv gone.
        closed.fulfil(.success(()))
        let reason = closeError.map { "mpv's socket broke: \($0)" } ?? "mpv closed its socket"
        for answer in pending.values { answer.fulfil(.failure(PlayerError.mpvUnreachable(reason))) }
        pending.removeAll()
        for listener in listeners.values { listener.finish() }
        listeners.removeAll()
    }

    /// True once mpv has closed its socket.
    nonisolated var isClosed: Bool { closed.isFulfilled }

    private func receive(_ message: JSONValue) {
        if let id = message["request_id"]?.doubleValue, let answer = pending.removeValue(forKey: Int(id)) {
            if message["error"]?.stringValue == "success" {
                answer.fulfil(.success(message["data"] ?? .null))
            } else {
                answer.fulfil(.failure(PlayerError.commandFailed(message["error"]?.stringValue ?? "unknown error")))
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

    /// Returns when mpv has closed its socket (it quit, crashed or was killed), or when the
    /// waiting task is cancelled.
    public nonisolated func waitUntilClosed() async {
        // Only a cancelled wait throws, and it is told by returning.
        _ = try? await closed.value()
    }

    /// mpv's process id, as it reports it.
    public func processID() async throws -> Int32 {
        guard case .number(let pid) = try await command(.array([.string("get_property"), .string("pid")])) else {
            throw PlayerError.commandFailed("mpv did not report its pid")
        }
        return Int32(pid)
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
    /// Runs mpv for as long as `body` runs, connected, then has it quit. The process is started
    /// with an argument list, never through a shell; its socket is read by a child task of this
    /// call, and nothing of it outlives the call.
    public static func withMPV<T: Sendable>(
        options: Options = Options(),
        socketPath: String,
        _ body: @Sendable (MPVController) async throws -> T
    ) async throws -> T {
        let controller = MPVController(options: options, socketPath: socketPath)
        // One left by an mpv that died would refuse the new one's.
        try? FileManager.default.removeItem(atPath: socketPath)
        let result = try await Subprocess.run(
            .path(FilePath(options.executable)),
            arguments: Arguments(controller.commandLine),
            input: .none,
            output: .discarded,
            error: .discarded
        ) { _ in
            // Anything thrown out of here (a body that failed, an mpv that would not quit, a
            // cancelled task) has swift-subprocess kill mpv.
            try await IPCConnection.withConnection(to: socketPath, within: .seconds(10)) { connection in
                try await controller.run(on: connection, body)
            }
        }
        return result.closureResult
    }

    private func run<T: Sendable>(on connection: IPCConnection, _ body: @Sendable (MPVController) async throws -> T) async throws -> T {
        self.connection = connection
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.read(connection) }
            defer { group.cancelAll() }
            try await command(.array([.string("observe_property"), .number(Double(Self.durationObserver)), .string("duration")]))
            let value = try await body(self)
            try await quit()
            return value
        }
    }

    /// Asks mpv to quit and waits for it to close its socket; one that has not within `limit`
    /// is thrown, and so killed.
    private func quit(within limit: Duration = .seconds(5)) async throws {
        guard !closed.isFulfilled else { return }
        do {
            try await command(.array([.string("quit")]))
        } catch let error as CancellationError {
            throw error
        } catch {
            // Not told, or gone before it answered: either way its socket closing is the answer.
        }
        guard try await Deadline.within(limit, { try await self.closed.value() }) != nil else {
            throw PlayerError.mpvUnreachable("mpv did not quit within \(limit) of being asked")
        }
    }
}
