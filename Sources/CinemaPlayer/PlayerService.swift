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

    /// Failures the player recovers from, each logged and counted: its health depends on them.
    public enum Failure: String, Sendable, Hashable, CaseIterable {
        /// mpv could not be started, or connected to, or did not quit when asked.
        case mpvStart = "mpv-start"
        /// mpv could not be asked how it is; it is replaced.
        case healthCheck = "health-check"
        /// mpv stopped answering and was killed to be replaced.
        case hung
        /// The idle screen could not be shown.
        case idleScreen = "idle-screen"
    }

    public let options: MPVController.Options
    public let idleScreen: IdleScreen
    private let socketPath: String
    private let logger: Logger
    private var mpv: MPVController?
    /// The mpv that comes next, for plays asked for while none runs: each mpv that starts
    /// answers it, and the player stopping fails it.
    private var nextMPV = OneShot<MPVController>()
    private let listeners = Listeners<Event>(buffer: 64)
    private(set) public var playing: Clip?
    private(set) public var restarts = 0
    /// Clips asked for, and of them those that started.
    private(set) public var plays = (asked: 0, started: 0)
    /// How often each kind of failure happened since the player started.
    private(set) public var failures: [Failure: Int] = [:]
    /// Fulfilled by `shutDown`: no mpv is started after it, and the one running quits.
    private let shutdownRequested = OneShot<Void>()
    private nonisolated var stopping: Bool { shutdownRequested.isFulfilled }
    /// What mpv is to load, taken one at a time by `run`: mpv's events do not say which
    /// `loadfile` they answer, so a clip loading while the idle screen loads could take the idle
    /// screen's start for its own.
    private let loads: AsyncStream<Load>
    private let loadQueue: AsyncStream<Load>.Continuation

    private enum Load: Sendable {
        case clip(Clip, on: MPVController, started: OneShot<Started>)
        case idle(on: MPVController, shown: OneShot<Void>)
    }

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
        // Bounded: a load waits behind the one mpv is starting (seconds at most), and each
        // comes from a caller waiting for it; past this many, more are refused, not queued.
        (loads, loadQueue) = AsyncStream.makeStream(of: Load.self, bufferingPolicy: .bufferingOldest(64))
    }

    /// The IPC socket for this process's mpv, in `directory`, named so that a player started
    /// after this one was killed finds and stops the mpv it left.
    public static func socketPath(in directory: String = FileManager.default.temporaryDirectory.path) -> String {
        OrphanedMPV.socketPath(in: directory)
    }

    /// Runs mpv until `shutDown` (or until cancelled, which kills it), starting it again whenever
    /// it goes away. Everything the player does runs here, as children of this call: keeping mpv
    /// running, loading what is asked for one at a time, and following each clip to its end.
    public nonisolated func run() async {
        let orphans = OrphanedMPV.stop()
        if !orphans.isEmpty { logger.warning("Stopped mpv left running by a player that was killed", metadata: ["mpv.pids": "\(orphans)"]) }
        let stale = OrphanedMPV.removeStaleSockets(in: (socketPath as NSString).deletingLastPathComponent)
        if !stale.isEmpty { logger.notice("Removed mpv sockets left by players that were killed", metadata: ["mpv.sockets": "\(stale)"]) }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.keepMPVRunning() }
            // Ends once `keepMPVRunning` has finished the queue, after what was queued before.
            for await load in loads {
                if let following = await self.perform(load) {
                    group.addTask { await self.follow(following) }
                }
            }
        }
    }

    /// Starts mpv, and starts it again whenever it goes, until the player stops.
    private func keepMPVRunning() async {
        while !stopping && !Task.isCancelled {
            var ending: String?
            do {
                ending = try await MPVController.withMPV(options: options, socketPath: socketPath) { controller -> String? in
                    // Asked to stop while this mpv was starting: it quits at once.
                    guard !self.stopping else { return nil }
                    await self.attach(controller)
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask { await controller.waitUntilClosed() }
                        group.addTask { await self.watch(controller) }
                        group.addTask {
                            // Cancelled only when another child ended this mpv first.
                            _ = try? await self.shutdownRequested.value()
                        }
                        await group.next()
                        group.cancelAll()
                    }
                    return await controller.closeError.map { "\($0)" }
                }
            } catch {
                if !Task.isCancelled { record(.mpvStart, "mpv failed", error: error) }
            }
            detach()
            if stopping || Task.isCancelled { break }
            restarts += 1
            broadcast(.mpvRestarted(count: restarts))
            var metadata: Logger.Metadata = ["mpv.restarts": "\(restarts)"]
            if let ending { metadata["mpv.ending"] = "\(ending)" }
            logger.warning("mpv went away; starting it again", metadata: metadata)
            // A little pause, longer after repeated failures, so a broken mpv is not hammered;
            // cut short by a shutdown.
            let pause = Duration.milliseconds(min(2000, 100 * restarts))
            do {
                _ = try await Deadline.within(pause) { try await self.shutdownRequested.value() }
            } catch {
                break
            }
        }
        nextMPV.fulfil(.failure(PlayerError.mpvUnreachable("the player is stopping")))
        loadQueue.finish()
    }

    /// Asks mpv how it is, now and then, until it is gone; one that does not answer is hung
    /// (its IPC socket open, its core stuck): it is killed, and `run` starts another. Returning
    /// ends this mpv.
    private func watch(_ controller: MPVController) async {
        let pid: Int32
        do {
            pid = try await controller.processID()
        } catch {
            healthCheckFailed(controller, error)
            return
        }
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
                healthCheckFailed(controller, error)
                return
            }
            if answer == nil {
                guard !Task.isCancelled else { return }
                record(
                    .hung,
                    "mpv did not answer in time; killing it to start another",
                    metadata: ["mpv.pid": "\(pid)", "mpv.health_timeout": "\(options.healthTimeout)"]
                )
                if kill(pid, SIGKILL) != 0 {
                    // Ending the watch still asks it to quit; `withMPV` kills it if it does not.
                    logger.error("Could not kill mpv", metadata: ["mpv.pid": "\(pid)", "errno": "\(errno)"])
                }
                return
            }
        }
    }

    /// A question the health check could not ask. Called off (this mpv is ending for another
    /// reason) or closed (mpv is gone, which ends it too) is nothing to tell; anything else is.
    private func healthCheckFailed(_ controller: MPVController, _ error: any Error) {
        guard !Task.isCancelled, !(error is CancellationError), !controller.isClosed else { return }
        record(.healthCheck, "mpv could not be asked how it is; starting another", error: error)
    }

    /// Stops the player: no mpv is started again, and the one running quits. Returns at once;
    /// `run` returns once mpv has gone.
    public nonisolated func shutDown() {
        shutdownRequested.fulfil(.success(()))
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
    ///
    /// The load itself is `run`'s: a caller that is cancelled stops waiting at once, and the clip
    /// still plays, is reported and followed to its end like any other.
    public func play(_ clip: Clip, waitingUpTo limit: Duration = .seconds(10)) async throws -> Started {
        plays.asked += 1
        let controller = try await controller(within: limit)
        // The clip is the one playing from the moment it is asked for: the clip it replaces
        // then ends as replaced, not as over (which would bring the idle screen back over it).
        playing = clip
        let started = OneShot<Started>()
        enqueue(.clip(clip, on: controller, started: started))
        let answer = try await started.value()
        plays.started += 1
        return answer
    }

    /// Back to the idle screen: the clip stops.
    public func stop() async throws {
        guard let mpv else { return }
        playing = nil
        try await showIdle(on: mpv)
    }

    /// Has `run` show the idle screen after what is queued before it. Throws only
    /// `CancellationError`: a screen that could not be shown is `run`'s to report.
    private func showIdle(on controller: MPVController) async throws {
        let shown = OneShot<Void>()
        enqueue(.idle(on: controller, shown: shown))
        try await shown.value()
    }

    private nonisolated func enqueue(_ load: Load) {
        let refused: Load
        let reason: String
        switch loadQueue.yield(load) {
        case .enqueued: return
        case .dropped(let load):
            refused = load
            reason = "too many clips are waiting for mpv"
        case .terminated:
            refused = load
            reason = "the player is stopping"
        @unknown default:
            refused = load
            reason = "the player cannot take it"
        }
        switch refused {
        case .clip(_, _, let started): started.fulfil(.failure(PlayerError.mpvUnreachable(reason)))
        // Nothing to show over: the player is going.
        case .idle(_, let shown): shown.fulfil(.success(()))
        }
    }

    /// A clip mpv started, and its events from just before its `loadfile` on, for `follow`.
    private struct Following: Sendable {
        var clip: Clip
        var controller: MPVController
        var events: AsyncStream<MPVController.Event>
        var key: UUID
    }

    /// Carries out one load for `run`; a clip that started is returned, to be followed.
    private func perform(_ load: Load) async -> Following? {
        switch load {
        case .idle(let controller, let shown):
            await loadIdle(on: controller)
            shown.fulfil(.success(()))
            return nil
        case .clip(let clip, let controller, let started):
            do {
                let following = try await self.load(clip, on: controller)
                broadcast(.started(clipID: clip.clipID, start: clip.start, end: following.started.end))
                started.fulfil(.success(following.started))
                return Following(clip: clip, controller: controller, events: following.events, key: following.key)
            } catch {
                if playing == clip {
                    playing = nil
                    await loadIdle(on: controller)
                }
                started.fulfil(.failure(error))
                return nil
            }
        }
    }

    /// A clip mpv started, and its events from just before its `loadfile` on.
    private struct Loaded {
        var started: Started
        var events: AsyncStream<MPVController.Event>
        var key: UUID
    }

    /// Loads the clip, with its overlay as a subtitle file (read by mpv before playback starts,
    /// removed after) or with no subtitles at all.
    private func load(_ clip: Clip, on controller: MPVController) async throws -> Loaded {
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

    /// Shows the idle screen: static looping, an image held, or nothing (black).
    private func loadIdle(on controller: MPVController) async {
        // A clip asked for meanwhile comes next: the idle screen would only flash before it.
        // A player stopping has nothing more to show: its mpv is quitting.
        guard playing == nil, !stopping else { return }
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
        } catch is CancellationError {
            // The player is going: no screen to show.
        } catch {
            // An mpv that went away meanwhile is replaced, and its successor shows the screen.
            guard !controller.isClosed else { return }
            record(.idleScreen, "Could not show the idle screen", error: error, level: .warning)
        }
    }

    public func subscribe() -> AsyncStream<Event> {
        listeners.subscribe()
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

    /// Ends every event stream: the player is shutting down.
    public nonisolated func closeListeners() {
        listeners.finishAll()
    }

    /// Waits for the clip's own end (or the next clip replacing it) and reports it.
    private func follow(_ following: Following) async {
        let clip = following.clip
        // The end of what this clip replaced arrives before this clip's start-file; only an end
        // after this clip's own start is its end.
        var loading = false
        var started = false
        for await event in following.events {
            if event == .other("start-file") { loading = true }
            if loading && event == .started { started = true }
            guard started, case .ended(let reason, let error) = event else { continue }
            let over = playing == clip
            if over { playing = nil }
            // An error is said, and it is the clip's end too (a client waits for the end).
            if reason == "error" { broadcast(.error(error ?? "mpv could not play \(clip.source)")) }
            broadcast(.ended(clipID: clip.clipID, reason: reason))
            // Over with nothing after it: back to the idle screen. (A clip replaced by another
            // ends too, but then `playing` is the new one.) Only a cancelled wait throws, and the
            // player is then going.
            if over { try? await showIdle(on: following.controller) }
            break
        }
        await following.controller.unsubscribe(following.key)
    }

    private func controller(within limit: Duration) async throws -> MPVController {
        if let mpv { return mpv }
        guard !stopping else { throw PlayerError.mpvUnreachable("the player is stopping") }
        let next = nextMPV
        guard let controller = try await Deadline.within(limit, { try await next.value() }) else {
            throw PlayerError.mpvUnreachable("mpv was not back within \(limit)")
        }
        return controller
    }

    private func attach(_ controller: MPVController) async {
        mpv = controller
        // Plays that waited for this mpv come after the idle screen. Only a cancelled wait
        // throws, when this mpv is already ending; they are answered all the same.
        try? await showIdle(on: controller)
        nextMPV.fulfil(.success(controller))
    }

    private func detach() {
        mpv = nil
        // One that no mpv answered (it failed to start) still waits for the next.
        if nextMPV.isFulfilled { nextMPV = OneShot() }
        if let clip = playing {
            playing = nil
            broadcast(.ended(clipID: clip.clipID, reason: "error"))
        }
    }

    private func broadcast(_ event: Event) {
        listeners.send(event)
    }

    private func record(
        _ failure: Failure,
        _ message: Logger.Message,
        error: (any Error)? = nil,
        metadata: Logger.Metadata = [:],
        level: Logger.Level = .error
    ) {
        failures[failure, default: 0] += 1
        var metadata = metadata
        metadata["player.failure"] = "\(failure.rawValue)"
        metadata["player.failures"] = "\(failures[failure, default: 0])"
        if let error { metadata["error"] = "\(error)" }
        logger.log(level: level, message, metadata: metadata)
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
            player.shutDown()
        }
    }
}
