import CinemaCore
public import CinemaSpeech
public import Configuration
import Foundation

/// How a station's room listens: the voice detector's tuning, and whether the visitor may speak
/// over a clip to stop it (barge-in).
public struct SpeechSettings: Sendable, Equatable {
    public var detector = VoiceActivityDetector.Configuration()
    /// Off by default: the TV's own sound reaches the microphone, so speech during a clip is
    /// only trusted where the room is set up for it (a headset, a directional microphone, echo
    /// cancellation). On: speech during a clip stops it (`stop-clip`) and becomes the next turn.
    public var bargeIn = false

    public init() {}
}

/// The settings for every station: defaults from `speech.*`, and per station from
/// `speech.station.NAME.*` for each name listed in `speech.stations`. In the environment:
/// `CINEMA_SPEECH_STOP_SECONDS=1.0`, `CINEMA_SPEECH_STATIONS=lobby`,
/// `CINEMA_SPEECH_STATION_LOBBY_BARGE_IN=true`.
public struct SpeechSettingsCatalog: Sendable, Equatable {
    public var defaults: SpeechSettings
    public var stations: [String: SpeechSettings]

    public init(defaults: SpeechSettings = SpeechSettings(), stations: [String: SpeechSettings] = [:]) {
        self.defaults = defaults
        self.stations = stations
    }

    public func settings(for station: String?) -> SpeechSettings {
        station.flatMap { stations[$0] } ?? defaults
    }

    public init(reader: ConfigReader) throws(SpeechSettingsError) {
        let speech = reader.scoped(to: "speech")
        let defaults = try Self.read(speech, over: SpeechSettings(), scope: "speech")
        var stations: [String: SpeechSettings] = [:]
        for name in speech.list(forKey: "stations") {
            stations[name] = try Self.read(speech.scoped(to: ConfigKey(["station", name])), over: defaults, scope: "speech.station.\(name)")
        }
        self.init(defaults: defaults, stations: stations)
    }

    private static func read(_ reader: ConfigReader, over base: SpeechSettings, scope: String) throws(SpeechSettingsError) -> SpeechSettings {
        var settings = base
        var detector = settings.detector
        func seconds(_ key: String, _ value: Double, within range: ClosedRange<Double>) throws(SpeechSettingsError) -> Double {
            let read = reader.double(forKey: ConfigKey(key), default: value)
            guard range.contains(read) else { throw SpeechSettingsError(key: "\(scope).\(key)", value: read, range: range) }
            return read
        }
        detector.startSeconds = try seconds("startSeconds", detector.startSeconds, within: 0.02...2)
        detector.stopSeconds = try seconds("stopSeconds", detector.stopSeconds, within: 0.1...5)
        detector.minimumUtteranceSeconds = try seconds("minimumSeconds", detector.minimumUtteranceSeconds, within: 0...5)
        detector.maximumUtteranceSeconds = try seconds("maximumSeconds", detector.maximumUtteranceSeconds, within: 1...60)
        detector.decibelsOverFloor = try seconds("decibelsOverFloor", detector.decibelsOverFloor, within: 1...40)
        detector.minimumSpeechDecibels = try seconds("minimumSpeechDecibels", detector.minimumSpeechDecibels, within: -90...0)
        settings.detector = detector
        settings.bargeIn = reader.bool(forKey: "bargeIn", default: settings.bargeIn)
        return settings
    }
}

public struct SpeechSettingsError: Error, CustomStringConvertible, Equatable {
    public var key: String
    public var value: Double
    public var range: ClosedRange<Double>

    public var description: String {
        "The speech setting \(key) is \(value), outside \(range.lowerBound)...\(range.upperBound); set it within that range or remove it for the default."
    }
}
