import CinemaCore
import Metrics
public import Prometheus

/// The backend's measurements, through swift-metrics into a Prometheus registry of its own (so
/// that two backends in one process, as in tests, keep separate counts). `/metrics` prints it.
public struct BackendMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let sessionsLive: Metrics.Gauge
    private let sessionsCreated: Metrics.Counter
    private let audioFrames: Metrics.Counter
    private let audioIgnored: Metrics.Counter
    private let roomSockets: Metrics.Gauge
    private let decisionTime: Metrics.Timer
    private let turnTime: Metrics.Timer
    private let recognitionTime: Metrics.Timer
    private let speechToPlayTime: Metrics.Timer
    private let playerTime: Metrics.Timer
    private let speechToScreenTime: Metrics.Timer

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Turns should take milliseconds; language models take seconds.
        factory.defaultDurationHistogramBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000].map { .milliseconds($0) }
        self.factory = factory
        sessionsLive = Metrics.Gauge(label: "cinema_sessions_live", factory: factory)
        sessionsCreated = Metrics.Counter(label: "cinema_sessions_created_total", factory: factory)
        audioFrames = Metrics.Counter(label: "cinema_audio_frames_total", factory: factory)
        audioIgnored = Metrics.Counter(label: "cinema_audio_frames_ignored_total", factory: factory)
        roomSockets = Metrics.Gauge(label: "cinema_room_sockets", factory: factory)
        decisionTime = Metrics.Timer(label: "cinema_decision_seconds", factory: factory)
        turnTime = Metrics.Timer(label: "cinema_turn_seconds", factory: factory)
        recognitionTime = Metrics.Timer(label: "cinema_speech_recognition_seconds", factory: factory)
        speechToPlayTime = Metrics.Timer(label: "cinema_speech_to_play_seconds", factory: factory)
        playerTime = Metrics.Timer(label: "cinema_player_start_seconds", factory: factory)
        speechToScreenTime = Metrics.Timer(label: "cinema_speech_to_screen_seconds", factory: factory)
    }

    func sessionCreated() { sessionsCreated.increment() }
    func live(_ count: Int) { sessionsLive.record(count) }
    func sockets(_ count: Int) { roomSockets.record(count) }

    func sessionEnded(reason: String) {
        Metrics.Counter(label: "cinema_sessions_ended_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// `kind`: greeting, reply, llm, fallback, farewell, curator.
    func turn(kind: String, decision: Duration, timings: TurnTimings) {
        Metrics.Counter(label: "cinema_turns_total", dimensions: [("kind", kind)], factory: factory).increment()
        decisionTime.recordInterval(decision)
        turnTime.recordMilliseconds(timings.totalMilliseconds)
        if let stt = timings.sttMilliseconds { recognitionTime.recordMilliseconds(stt) }
        if let speech = timings.speechToPlayMilliseconds { speechToPlayTime.recordMilliseconds(speech) }
    }

    /// The device said the clip started: the player's part, and for speech the whole way from
    /// the visitor's last sound to the answer on screen.
    func clipStarted(_ timings: TurnTimings) {
        if let player = timings.playerMilliseconds { playerTime.recordMilliseconds(player) }
        if let screen = timings.speechToScreenMilliseconds { speechToScreenTime.recordMilliseconds(screen) }
    }

    /// `kind`: director, store, protocol, player, token.
    func error(_ kind: String) {
        Metrics.Counter(label: "cinema_errors_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    func audio(frames: Int, ignored: Int) {
        if frames > 0 { audioFrames.increment(by: Int64(frames)) }
        if ignored > 0 { audioIgnored.increment(by: Int64(ignored)) }
    }

    public func exposition() -> String { registry.emitToString() }
}

extension Metrics.Timer {
    func recordMilliseconds(_ milliseconds: Double) {
        recordNanoseconds(Int64(max(0, milliseconds) * 1_000_000))
    }

    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
