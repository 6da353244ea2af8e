import ArgumentParser
import CinemaBackend
import CinemaCore
import CinemaSpeech
import Foundation

struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what the speech recognizer hears in a WAV file.",
        discussion: """
            For checking a microphone or a model. The file must be 16-bit PCM at 8 to 48 kHz, mono
            or stereo; it is brought to 16 kHz mono as the room would (convert anything else with:
            ffmpeg -i IN -ar 16000 -ac 1 OUT.wav). The voice activity detector splits it into
            utterances, as it would split a visitor's speech, and each is transcribed; --whole
            transcribes the file as one utterance.
            """
    )

    @Argument(help: ArgumentHelp("A WAV file (16-bit PCM, 8 to 48 kHz, mono or stereo).", valueName: "file.wav"))
    var file: String

    @Option(
        help: ArgumentHelp(
            "The recognizer: whisper (the model service on this machine, CINEMA_MODELS_WHISPER=base or tiny.en; or the server CINEMA_WHISPER_BASE_URL names) or pocketsphinx. (default: whisper when the model service is installed, else pocketsphinx)",
            valueName: "name"
        )
    )
    var engine: String?

    @Flag(help: "Transcribe the whole file as one utterance instead of splitting it at pauses.")
    var whole = false

    @Flag(help: "Print each utterance as a JSON line.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let engine, !SpeechEngines.names.contains(engine) {
            throw ValidationError("--engine must be one of \(SpeechEngines.names.joined(separator: ", ")), not '\(engine)'.")
        }
    }

    func run() async throws {
        let context = try await global.context(flags: ConfigOverrides())
        let (audio, declared) = try Self.read(file)
        let prepared = try await SpeechEngines.prepare(engine, context: context)
        if let note = prepared.note, !json { print("(\(note))") }
        // Loading Whisper takes a few seconds; a minute allows for a loaded machine.
        try await prepared.withService(readyWithin: .seconds(60)) {
            try await transcribe(audio: audio, declared: declared, recognizer: prepared.recognizer, context: context)
        }
    }

    private func transcribe(audio: WAVFile, declared: AudioFormat, recognizer: any SpeechRecognizer, context: CommandContext) async throws {
        if declared != .speech && !json { print("(\(file) is \(declared); heard as 16000 Hz mono)") }
        let spans: [(start: Double, end: Double, samples: [Int16])]
        if whole {
            spans = [(0, audio.duration, audio.samples)]
        } else {
            var detector = VoiceActivityDetector(configuration: try SpeechSettingsCatalog(reader: context.reader).defaults.detector)
            let events = detector.feed(audio.samples) + detector.finish()
            spans = events.compactMap { event in
                if case .ended(let utterance) = event { return (utterance.start, utterance.end, utterance.samples) }
                return nil
            }
        }
        if spans.isEmpty && !json {
            print("No speech found in \(file) (\(String(format: "%.1f", audio.duration)) s).")
            return
        }
        var busy = 0.0
        for span in spans {
            let transcript = try await recognizer.transcribe(span.samples, sampleRate: audio.sampleRate)
            busy += transcript.seconds
            if json {
                let line = Line(
                    start: span.start,
                    end: span.end,
                    text: transcript.text,
                    engine: transcript.engine ?? recognizer.name,
                    seconds: transcript.seconds
                )
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            } else {
                let text = transcript.text.isEmpty ? "(nothing recognised)" : transcript.text
                print("[\(Timecode.format(span.start))–\(Timecode.format(span.end))] \(text)")
            }
        }
        if !json {
            print(
                String(
                    format: "%d utterance(s), %.1f s of audio, recognised in %.2f s (real-time factor %.2f) by %@",
                    spans.count,
                    audio.duration,
                    busy,
                    audio.duration > 0 ? busy / audio.duration : 0,
                    recognizer.name
                )
            )
        }
    }

    struct Line: Encodable {
        var start: Double
        var end: Double
        var text: String
        var engine: String
        var seconds: Double
    }

    /// The file as the room would hear it (16 kHz mono), and the format it was in.
    static func read(_ path: String) throws -> (WAVFile, AudioFormat) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("Cannot read \(path): no such file, or it is not readable.")
        }
        let audio: WAVFile
        do {
            audio = try WAVFile(bytes: [UInt8](data))
        } catch {
            throw CommandError("\(path) is not a usable WAV file: \(error). Convert it with: ffmpeg -i \(path) -ar 16000 -ac 1 out.wav")
        }
        let format = AudioFormat(sampleRate: audio.sampleRate, channels: audio.channels)
        guard format.isAccepted else {
            throw CommandError(
                "\(path) is \(audio.sampleRate) Hz with \(audio.channels) channel(s); the recognizer hears 8 to 48 kHz, mono or stereo. Convert it with: ffmpeg -i \(path) -ar 16000 -ac 1 out.wav"
            )
        }
        var converter = PCMConverter(from: format)
        return (WAVFile(sampleRate: AudioFormat.speech.sampleRate, samples: converter.convert(audio.samples)), format)
    }
}
