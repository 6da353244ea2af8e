/// Where one turn's time went, as the `metrics` room message carries it. A turn is reported
/// twice: when its `play-clip` is sent, and again, with the player's part, when the device says
/// the clip started.
public struct TurnTimings: Sendable, Equatable {
    public var turn: Int
    /// Spoken turns: the silence the detector waited for before calling the utterance over.
    public var vadMilliseconds: Double?
    /// Spoken turns: the recognizer's time.
    public var sttMilliseconds: Double?
    /// The director's decision.
    public var directorMilliseconds: Double
    /// From the turn's arrival (for speech: the detector calling it over) to `play-clip` sent.
    public var totalMilliseconds: Double
    /// From `play-clip` sent to the device's `clip-started`; nil until then.
    public var playerMilliseconds: Double?

    public init(
        turn: Int,
        vadMilliseconds: Double? = nil,
        sttMilliseconds: Double? = nil,
        directorMilliseconds: Double,
        totalMilliseconds: Double,
        playerMilliseconds: Double? = nil
    ) {
        self.turn = turn
        self.vadMilliseconds = vadMilliseconds
        self.sttMilliseconds = sttMilliseconds
        self.directorMilliseconds = directorMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.playerMilliseconds = playerMilliseconds
    }

    /// Spoken turns: from the visitor's last sound to `play-clip` sent.
    public var speechToPlayMilliseconds: Double? { vadMilliseconds.map { $0 + totalMilliseconds } }

    /// Spoken turns, once the clip started: from the visitor's last sound to the answer on screen.
    public var speechToScreenMilliseconds: Double? {
        guard let speech = speechToPlayMilliseconds, let player = playerMilliseconds else { return nil }
        return speech + player
    }

    /// The wire form. `vad_ms` and `stt_ms` are 0 for typed turns, as PROTOCOL.md has always
    /// sent them; the rest appear when they are known.
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "turn": .number(Double(turn)),
            "vad_ms": .number(Self.rounded(vadMilliseconds ?? 0)),
            "stt_ms": .number(Self.rounded(sttMilliseconds ?? 0)),
            "director_ms": .number(Self.rounded(directorMilliseconds)),
            "total_ms": .number(Self.rounded(totalMilliseconds)),
            "spoken": .bool(vadMilliseconds != nil),
        ]
        if let speechToPlayMilliseconds { fields["speech_to_play_ms"] = .number(Self.rounded(speechToPlayMilliseconds)) }
        if let playerMilliseconds { fields["player_ms"] = .number(Self.rounded(playerMilliseconds)) }
        if let speechToScreenMilliseconds { fields["speech_to_screen_ms"] = .number(Self.rounded(speechToScreenMilliseconds)) }
        return .object(fields)
    }

    /// Reads the wire form back (the benchmark and tests).
    public init?(_ json: JSONValue?) {
        guard let json, let turn = json["turn"]?.doubleValue, let director = json["director_ms"]?.doubleValue,
            let total = json["total_ms"]?.doubleValue
        else { return nil }
        let spoken = json["spoken"]?.boolValue ?? false
        self.init(
            turn: Int(turn),
            vadMilliseconds: spoken ? json["vad_ms"]?.doubleValue : nil,
            sttMilliseconds: spoken ? json["stt_ms"]?.doubleValue : nil,
            directorMilliseconds: director,
            totalMilliseconds: total,
            playerMilliseconds: json["player_ms"]?.doubleValue
        )
    }

    /// Milliseconds as the wire carries them: to a tenth.
    public static func rounded(_ milliseconds: Double) -> Double { (milliseconds * 10).rounded() / 10 }
}
