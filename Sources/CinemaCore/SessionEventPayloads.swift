import Foundation

/// Who is in a session's room: the one device (the TV) or an observer (a dashboard).
public enum ParticipantRole: String, Sendable, Codable, Equatable {
    case device, observer
}

// The payloads of a session's events, each as its `data` has always read on the wire
// (PROTOCOL.md, "Session events"). Optional fields are left out when absent, except where the
// wire has always carried an explicit null.
extension SessionEvent {
    public struct Created: Codable, Sendable, Equatable {
        public var station: String?
        public var baseURL: String
        /// The director settings the session was created with, if any.
        public var config: String?
        /// Seconds of silence after which this session says goodbye, when its creator (a station
        /// with a handset) asked for its own rather than the backend's.
        public var idleTimeout: Double?
        /// What a creator may ask of `idleTimeout`, from a second to a day: the backend refuses
        /// anything else, and a station will not start asking for it.
        public static let idleTimeouts: ClosedRange<Double> = 1...86_400

        public init(station: String?, baseURL: String, config: String?, idleTimeout: Double? = nil) {
            self.station = station
            self.baseURL = baseURL
            self.config = config
            self.idleTimeout = idleTimeout
        }

        enum CodingKeys: String, CodingKey {
            case station, config
            case baseURL = "base_url"
            case idleTimeout = "idle_timeout"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(station, forKey: .station)
            try container.encode(baseURL, forKey: .baseURL)
            try container.encodeIfPresent(config, forKey: .config)
            try container.encodeIfPresent(idleTimeout, forKey: .idleTimeout)
        }
    }

    public struct StateChange: Codable, Sendable, Equatable {
        public var from: SessionStatus
        public var to: SessionStatus

        public init(from: SessionStatus, to: SessionStatus) {
            self.from = from
            self.to = to
        }
    }

    public struct Participant: Codable, Sendable, Equatable {
        public var role: ParticipantRole
        /// The socket's own id, to tell a device that came back from the one that left.
        public var connection: String

        public init(role: ParticipantRole, connection: String) {
            self.role = role
            self.connection = connection
        }
    }

    public struct VisitorText: Codable, Sendable, Equatable {
        public enum Source: String, Codable, Sendable, Equatable {
            /// Typed on the device (`send-text`).
            case typed
            /// Heard by the room's speech stage.
            case speech
            /// Typed by the operator for the visitor (`POST …/say`).
            case `operator`
        }

        public var text: String
        public var source: Source
        /// 1, 2, 3… within the session; decisions and dropped turns refer to it.
        public var utterance: Int
        /// Spoken turns: the detector's stop hangover and the recognizer's time.
        public var vadMilliseconds: Double?
        public var sttMilliseconds: Double?

        public init(text: String, source: Source, utterance: Int, vadMilliseconds: Double? = nil, sttMilliseconds: Double? = nil) {
            self.text = text
            self.source = source
            self.utterance = utterance
            self.vadMilliseconds = vadMilliseconds
            self.sttMilliseconds = sttMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case text, source, utterance
            case vadMilliseconds = "vad_ms"
            case sttMilliseconds = "stt_ms"
        }
    }

    public struct TurnDropped: Codable, Sendable, Equatable {
        /// The `visitor-text` events left unanswered.
        public var utterances: [Int]
        public var reason: String

        public init(utterances: [Int], reason: String) {
            self.utterances = utterances
            self.reason = reason
        }
    }

    public struct ClipStarted: Codable, Sendable, Equatable {
        public var clipID: Int64
        public var turn: Int
        /// From `play-clip` sent to the device saying it started.
        public var playerMilliseconds: Double?
        /// Spoken turns: from the visitor's last sound to the answer on screen.
        public var speechToScreenMilliseconds: Double?

        public init(clipID: Int64, turn: Int, playerMilliseconds: Double? = nil, speechToScreenMilliseconds: Double? = nil) {
            self.clipID = clipID
            self.turn = turn
            self.playerMilliseconds = playerMilliseconds
            self.speechToScreenMilliseconds = speechToScreenMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case turn
            case clipID = "clip_id"
            case playerMilliseconds = "player_ms"
            case speechToScreenMilliseconds = "speech_to_screen_ms"
        }
    }

    public struct ClipEnded: Codable, Sendable, Equatable {
        public var clipID: Int64
        public var turn: Int
        /// `eof`, `stopped` or `error` from the player; `timeout` or `barge-in` from the backend.
        public var reason: String

        public init(clipID: Int64, turn: Int, reason: String) {
            self.clipID = clipID
            self.turn = turn
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case turn, reason
            case clipID = "clip_id"
        }
    }

    public struct ReportedStatus: Codable, Sendable, Equatable {
        public var status: String
        /// Whatever the reporter sent with it; null when nothing.
        public var context: JSONValue

        public init(status: String, context: JSONValue?) {
            self.status = status
            self.context = context ?? .null
        }

        enum CodingKeys: String, CodingKey { case status, context }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            status = try container.decode(String.self, forKey: .status)
            context = try container.decodeIfPresent(JSONValue.self, forKey: .context) ?? .null
        }
    }

    public struct NeedsHelp: Codable, Sendable, Equatable {
        public var reason: String

        public init(reason: String) { self.reason = reason }
    }

    public struct Failure: Codable, Sendable, Equatable {
        public enum Source: String, Codable, Sendable, Equatable {
            /// A message the room could not read.
            case room
            case player
            case speech
            case director
        }

        public var source: Source
        public var message: String
        /// Director failures: the turn that got no clip.
        public var turn: Int?
        /// Room failures: who sent what could not be read.
        public var role: ParticipantRole?

        public init(source: Source, message: String, turn: Int? = nil, role: ParticipantRole? = nil) {
            self.source = source
            self.message = message
            self.turn = turn
            self.role = role
        }
    }

    public struct Ended: Codable, Sendable, Equatable {
        public var reason: String
        public var audio: AudioCounts

        public init(reason: String, audio: AudioCounts) {
            self.reason = reason
            self.audio = audio
        }
    }

    /// The room's audio over the session, as its end records it.
    public struct AudioCounts: Codable, Sendable, Equatable {
        public var frames = 0
        public var bytes = 0
        /// Frames that arrived while a clip played (the TV's own sound).
        public var ignored = 0
        public var oversized = 0

        public init(frames: Int = 0, bytes: Int = 0, ignored: Int = 0, oversized: Int = 0) {
            self.frames = frames
            self.bytes = bytes
            self.ignored = ignored
            self.oversized = oversized
        }

        public static func += (counts: inout AudioCounts, more: AudioCounts) {
            counts.frames += more.frames
            counts.bytes += more.bytes
            counts.ignored += more.ignored
            counts.oversized += more.oversized
        }

        enum CodingKeys: String, CodingKey {
            case frames, bytes, oversized
            case ignored = "ignored_while_muted"
        }
    }
}
