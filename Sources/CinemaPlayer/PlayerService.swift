import CinemaCore
import Foundation
import Logging
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// The TV's player: keeps one mpv running for as long as it runs (started again if it exits or
/// is killed), plays clips on it one at a time, and tells its listeners what happens.
public actor PlayerService {
    public enum Event: Sendable, Equatable {
        case started(clipID: Int64?, start: Double, end: Double)
        case ended(clipID: Int64?, reason: String)
        case error(String)
        /// mpv exited and a new one took its place; `count` restarts so far.
        case mpvRestarted(count: Int)
        /// The idle screen is showing.
        case idle
    }

    public struct Clip: Sendable, Equatable {
        public var source: String
        public var start: Double
        public var end: Double
        public var clipID: Int64?
        /// Words shown over the clip; nil (or empty) shows the film alone, without subtitles.
        public var overlay: Overlay?
        /// Each request is its own clip, even when it asks for the same span again.
        private let request = UUID()

        public init(source: String, start: Double, end: Double, clipID: Int64? = nil, overlay: Overlay? = nil) {
            self.source = source
            self.start = start
            self.end = end
            self.clipID = clipID
            self.overlay = overlay
        }
    }

    public let options: MPVController.Options
    public let idleScreen: IdleScreen
    private let socketPath: String
    private let logger: Logger
    private var mpv: MPVController?
    private var waitingForMPV: [UUID: CheckedContinuation<MPVController, any Error>] = [:]
    /// Waits given up before they were registered.
    private var abandoned = Set<UUID>()
    private var listeners: [UUID: AsyncStream<Event>.Continuation] = [:]
    private(set) public var playing: Clip?
    private(set) public var restarts = 0
    private var stopping = false
    /// One file load at a time: mpv's events do not say which `loadfile` they answer, so a clip
    /// loading while the idle screen loads could take the idle screen's start for its own.
    private var loading = false
    private var waitingToLoad: [CheckedContinuation<Void, Never>] = []

    /// Where overlays are written for mpv to read; each is removed once its clip has started.
    private let overlayDirectory: URL

    public init(
        options: MPVController.Options,
        socketPath: String,
        idleScreen: IdleScreen = .black,
        overlayDirectory: URL = FileManager.default.temporaryDirectory,
        logger: Logger = Logger(label: "cinema.player")
    ) {
        self.options = options
        self.idleScreen = idleScreen
        self.overlayDirectory = overlayDirectory
        self.socketPath = socketPath
        self.logger = logger
    }

    /// The IPC socket for this process's mpv, in `directory`, named so that a player started
    /// after this one was killed finds and stops the mpv it left.
    public static func socketPath(in directory: String = FileManager.default.temporaryDirectory.path) -> String {
        OrphanedMPV.socketPath(in: directory)
    }

    /// Runs mpv until `shutDown`, starting it again whenever it goes away.
    public func run() async {
        let orphans = OrphanedMPV.stop()
        if !orphans.isEmpty { logger.warning("Stopped mpv left running by a player that was killed: PIDs \(orphans)") }
        let stale = OrphanedMPV.removeStaleSockets(in: (socketPath as NSString).deletingLastPathComponent)
        if !stale.isEmpty { logger.notice("Removed mpv sockets left by players that were killed: \(stale.joined(separator: ", "))") }
        while !stopping {
            do {
                try await MPVController.withMPV(options: options, socketPath: socketPath) { controller in
                    await self.attach(controller)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await controller.waitUntilClosed() }
                        group.addTask { await self.watch(controller) }
                        await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                logger.error("mpv failed", metadata: ["error": "\(error)"])
            }
            detach()
            if stopping { break }
            restarts += 1
            broadcast(.mpvRestarted(count: restarts))
            logger.warning("mpv went away; starting it again", metadata: ["restarts": "\(restarts)"])
            // A little pause, longer after repeated failures, so a broken mpv is not hammered.
            try? await Task.sleep(for: .milliseconds(min(2000, 100 * restarts)))
        }
        for waiter in waitingForMPV.values { waiter.resume(throwing: PlayerError.mpvUnreachable("the player is stopping")) }
        waitingForMPV.removeAll()
    }

    /// Asks mpv how it is, now and then, until it is gone; one that does not answer is hung
    /// (its IPC socket open, its core stuck): it is killed, and `run` starts another.
    private func watch(_ controller: MPVController) async {
        guard let pid = try? await controller.processID() else { return }
        while true {
            do {
                try await Task.sleep(for: options.healthInterval)
            } catch {
                return
            }
            let answer: JSONValue?
            do {
                answer = try await Deadline.within(options.healthTimeout) {
                    try await controller.command(.array([.string("get_property"), .string("idle-active")]))
                }
            } catch {
                return  // closed, or the watch was called off
            }
            if answer == nil {
                guard !Task.isCancelled else { return }
                logger.error("mpv (pid \(pid)) did not answer within \(options.healthTimeout); killing it to start another")
                kill(pid, SIGKILL)
                return
            }
        }
    }

    public func shutDown() async {
        stopping = true
        _ = try? await mpv?.command(.array([.string("quit")]))
    }

    /// A clip that began: where playback started, and where it ends, which is the film's end
    /// when the clip asked for more than the film has.
    public struct Started: Sendable, Equatable {
        public var position: Double
        public var end: Double
    }

    /// Plays `clip` in place of whatever plays; returns once mpv reports it started. While mpv
    /// is being started again, waits for it (up to `limit`). A clip that starts at or past the
    /// film's end is refused (`spanOutsideFilm`) and the idle screen comes back.
    public func play(_ clip: Clip, waitingUpTo limit: Duration = .seconds(10)) async throws -> Started {
        let controller = try await controller(within: limit)
        // The clip is the one playing from the moment it is asked for: the clip it replaces
        // then ends as replaced, not as over (which would bring the idle screen back over it).
        playing = clip
        let loaded: Loaded
        do {
            loaded = try await load(clip, on: controller)
        } catch {
            if playing == clip {
                playing = nil
                await showIdle(on: controller)
            }
            throw error
        }
        broadcast(.started(clipID: clip.clipID, start: clip.start, end: loaded.started.end))
        Task { await self.follow(loaded.events, key: loaded.key, controller: controller, clip: clip) }
        return loaded.started
    }

    /// A clip mpv started, and its events from just before its `loadfile` on.
    private struct Loaded {
        var started: Started
        var events: AsyncStream<MPVController.Event>
        var key: UUID
    }

    /// Back to the idle screen: the clip stops.
    public func stop() async throws {
        guard let mpv else { return }
        playing = nil
        await showIdle(on: mpv)
    }

    /// Loads the clip, with its overlay as a subtitle file (read by mpv before playback starts,
    /// removed after) or with no subtitles at all.
    private func load(_ clip: Clip, on controller: MPVController) async throws -> Loaded {
        await startLoading()
        defer { finishLoading() }
        var overlayFile: URL?
        defer { overlayFile.map { try? FileManager.default.removeItem(at: $0) } }
        var extra = ["sid": "no"]
        // The backend's media endpoint answers range requests; mpv would otherwise treat an
        // HTTP stream as unseekable and read from the film's start to reach the clip.
        if clip.source.hasPrefix("http://") || clip.source.hasPrefix("https://") { extra["force-seekable"] = "yes" }
        if let overlay = clip.overlay, !overlay.isEmpty {
            let directory = overlayDirectory
            let file: URL
            do {
                file = try overlay.write(in: directory)
            } catch {
                throw PlayerError.unplayable("the overlay could not be written to \(directory.path): \(error)")
            }
            overlayFile = file
            extra["sub-files-append"] = file.path
            extra["sid"] = "auto"
        }
        // Subscribed only now: a load queued before this one (the idle screen) must not look
        // like this clip's start and end.
        let (events, key) = await controller.subscribe()
        do {
            let started = try await controller.play(clip.source, start: clip.start, end: clip.end, extra: extra)
            // mpv "plays" a span past the film's end by ending at once: said plainly instead.
            guard let duration = started.duration else {
                return Loaded(started: Started(position: started.position, end: clip.end), events: events, key: key)
            }
            guard clip.start < duration else {
                throw PlayerError.spanOutsideFilm(start: clip.start, duration: duration, source: clip.source)
            }
            return Loaded(started: Started(position: started.position, end: min(clip.end, duration)), events: events, key: key)
        } catch {
            await controller.unsubscribe(key)
            throw error
        }
    }

    private func startLoading() async {
        guard loading else {
            loading = true
            return
        }
        await withCheckedContinuation { waitingToLoad.append($0) }
    }

    private func finishLoading() {
        if waitingToLoad.isEmpty {
            loading = false
        } else {
            waitingToLoad.removeFirst().resume()
        }
    }

    /// Shows the idle screen: static looping, an image held, or nothing (black).
    private func showIdle(on controller: MPVController) async {
        await startLoading()
        defer { finishLoading() }
        // A clip asked for meanwhile comes next: the idle screen would only flash before it.
        guard playing == nil else { return }
        do {
            switch idleScreen {
            case .black:
                try await controller.command(.array([.string("stop")]))
            case .loop(let path):
                _ = try await controller.play(path, start: 0, end: nil, extra: ["loop-file": "inf"])
            case .image(let path):
                _ = try await controller.play(path, start: 0, end: nil, extra: ["image-display-duration": "inf"])
            }
            if playing == nil { broadcast(.idle) }
        } catch {
            logger.warning("Could not show the idle screen", metadata: ["error": "\(error)"])
        }
    }

    public func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(64))
        let key = UUID()
        listeners[key] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(key) } }
        return stream
    }

    public func processID() async -> Int32? {
        try? await mpv?.processID()
    }

    /// One of mpv's properties (`path`, `loop-file`, `time-pos`), for status and tests.
    public func property(_ name: String) async throws -> JSONValue {
        guard let mpv else { throw PlayerError.mpvUnreachable("mpv is not running") }
        return try await mpv.command(.array([.string("get_property"), .string(name)]))
    }

    /// Saves what the screen shows now (the film's frame with its overlay) as a PNG at `path`:
    /// how an operator, or a test, sees a TV nobody is standing in front of.
    public func screenshot(to path: String) async throws {
        guard let mpv else { throw PlayerError.mpvUnreachable("mpv is not running") }
        // mpv keeps the last frame after a stop; the TV shows black.
        if playing == nil && idleScreen == .black { throw PlayerError.nothingOnScreen }
        do {
            try await mpv.command(.array([.string("screenshot-to-file"), .string(path), .string("subtitles")]))
        } catch PlayerError.commandFailed {
            throw PlayerError.nothingOnScreen
        }
    }

    private func unsubscribe(_ key: UUID) { listeners.removeValue(forKey: key) }

    /// Ends every event stream: the player is shutting down.
    public func closeListeners() {
        for listener in listeners.values { listener.finish() }
        listeners.removeAll()
    }

    /// Waits for the clip's own end (or the next clip replacing it) and reports it.
    private func follow(_ events: AsyncStream<MPVController.Event>, key: UUID, controller: MPVController, clip: Clip) async {
        // The end of what this clip replaced arrives before this clip's start-file; only an end
        // after this clip's own start is its end.
        var loading = false
        var started = false
        for await event in events {
            if event == .other("start-file") { loading = true }
            if loading && event == .started { started = true }
            guard started, case .ended(let reason, let error) = event else { continue }
            let over = playing == clip
            if over { playing = nil }
            // An error is said, and it is the clip's end too (a client waits for the end).
            if reason == "error" { broadcast(.error(error ?? "mpv could not play \(clip.source)")) }
            broadcast(.ended(clipID: clip.clipID, reason: reason))
            // Over with nothing after it: back to the idle screen. (A clip replaced by another
            // ends too, but then `playing` is the new one.)
            if over { await showIdle(on: controller) }
            break
        }
        await controller.unsubscribe(key)
    }

    private func controller(within limit: Duration) async throws -> MPVController {
        if let mpv { return mpv }
        guard !stopping else { throw PlayerError.mpvUnreachable("the player is stopping") }
        let waiting = try await Deadline.within(limit) {
            let key = UUID()
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in Task { await self.wait(continuation, key: key) } }
            } onCancel: {
                Task { await self.stopWaiting(key) }
            }
        }
        guard let controller = waiting else { throw PlayerError.mpvUnreachable("mpv was not back within \(limit)") }
        return controller
    }

    private func wait(_ continuation: CheckedContinuation<MPVController, any Error>, key: UUID) {
        if let mpv {
            continuation.resume(returning: mpv)
        } else if abandoned.remove(key) != nil {
            continuation.resume(throwing: CancellationError())
        } else {
            waitingForMPV[key] = continuation
        }
    }

    /// A wait that timed out: it is answered now, or as soon as it registers (the two race).
    private func stopWaiting(_ key: UUID) {
        if let continuation = waitingForMPV.removeValue(forKey: key) {
            continuation.resume(throwing: CancellationError())
        } else {
            abandoned.insert(key)
        }
    }

    private func attach(_ controller: MPVController) async {
        // Asked to stop while this mpv was starting: `shutDown` found no mpv to tell, so it is
        // told now, or `run` would wait for it forever.
        if stopping {
            _ = try? await controller.command(.array([.string("quit")]))
            return
        }
        mpv = controller
        await showIdle(on: controller)
        for waiter in waitingForMPV.values { waiter.resume(returning: controller) }
        waitingForMPV.removeAll()
    }

    private func detach() {
        mpv = nil
        if let clip = playing {
            playing = nil
            broadcast(.ended(clipID: clip.clipID, reason: "error"))
        }
    }

    private func broadcast(_ event: Event) {
        for listener in listeners.values { listener.yield(event) }
    }
}

/// Runs a ``PlayerService`` under swift-service-lifecycle: mpv starts with the service and quits
/// on graceful shutdown.
public struct PlayerRunner: Service {
    public let player: PlayerService

    public init(player: PlayerService) {
        self.player = player
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await player.run()
        } onGracefulShutdown: {
            Task { await player.shutDown() }
        }
    }
}
