import AsyncHTTPClient
import CinemaCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Any server that speaks OpenAI's `POST /v1/audio/transcriptions`: the model service on this
/// machine (``ModelService``), OpenAI itself, or a whisper.cpp server. Each utterance goes up as a
/// WAV in a multipart form.
public struct WhisperRecognizer: SpeechRecognizer {
    public struct Configuration: Sendable, Equatable {
        /// Up to and including `/v1`.
        public var baseURL = "https://api.openai.com/v1"
        public var model = "whisper-1"
        public var apiKey: String?
        /// ISO-639-1, or nil to let the server guess.
        public var language: String? = "en"
        /// Per attempt.
        public var timeout: Duration = .seconds(10)
        /// Further attempts after a failure that may pass (no answer, 429, 5xx).
        public var retries = 1
        /// Text Whisper takes as what came before the utterance: it steers spelling and style.
        public var prompt: String?

        public init() {}

        /// How utterances go to the model service on this machine (``ModelService``): its
        /// Whisper `model`, English, and a prompt that sets the scene. The prompt was chosen on
        /// the tuning set (visitor lines of our own, three voices, and the even NOTLD clips):
        /// it lowered the word error there from 0.21 to 0.14 on questions and from 0.17 to
        /// 0.14 on film speech; the held-out figures are in BENCHMARKS.md.
        public static func modelService(model: String) -> Self {
            var configuration = Self()
            configuration.model = "whisper-" + model
            configuration.language = "en"
            configuration.prompt = "A visitor speaks to an old television."
            return configuration
        }
    }

    public let name = "whisper"
    public let configuration: Configuration
    /// When set, the address is the supervised service's current one and `baseURL` is unused.
    public let service: ModelService?
    private let client: HTTPClient

    public init(configuration: Configuration, service: ModelService? = nil, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.service = service
        self.client = client
    }

    /// Where to send the next request: the configured server, or the model service once it is
    /// ready (waiting a little for one that is starting or restarting).
    private func baseURL() async throws(SpeechError) -> String {
        guard let service else { return configuration.baseURL }
        if let url = await service.baseURL(within: .seconds(2)) { return url }
        let state = await service.state
        throw .unavailable("the model service is \(state.name)\(state.reason.map { " (\($0))" } ?? "")")
    }

    /// Per attempt: the configured limit, and for the local service one that grows with the
    /// utterance (its short path takes about a tenth of the audio's length), so that a hung
    /// service is given up on in seconds, not after the visitor has left.
    private func timeout(forSeconds audio: Double) -> Duration {
        guard service != nil else { return configuration.timeout }
        return min(configuration.timeout, .seconds(3) + .seconds(audio * 0.5))
    }

    public func transcribe(_ samples: [Int16], sampleRate: Int) async throws(SpeechError) -> Transcript {
        let clock = ContinuousClock()
        let started = clock.now
        let boundary = "cinema-\(UUID().uuidString)"
        let body = Self.form(boundary: boundary, wav: WAVFile(sampleRate: sampleRate, samples: samples).bytes, configuration: configuration)
        let audioSeconds = Double(samples.count) / Double(sampleRate)
        var lastProblem = ""
        var url = ""
        for attempt in 0...max(0, configuration.retries) {
            if attempt > 0 {
                // A short pause before trying again; a server that is down stays down for longer.
                try? await Task.sleep(for: .milliseconds(200 * attempt))
            }
            url = ServiceAddress.base(try await baseURL()) + "/audio/transcriptions"
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "multipart/form-data; boundary=\(boundary)")
            if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(key)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let limit = timeout(forSeconds: audioSeconds)
                let response = try await client.execute(request, timeout: .milliseconds(Int64(limit / .milliseconds(1))))
                let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
                let status = Int(response.status.code)
                if (200..<300).contains(status) {
                    guard let text = try? JSONDecoder().decode(JSONValue.self, from: data)["text"]?.stringValue else {
                        throw SpeechError.decoderFailed(
                            "\(url) answered without a \"text\" field: \(String(decoding: data.prefix(200), as: UTF8.self))"
                        )
                    }
                    return Transcript(
                        text: text.trimmingCharacters(in: .whitespacesAndNewlines),
                        seconds: (clock.now - started) / .seconds(1),
                        audioSeconds: audioSeconds
                    )
                }
                let message =
                    (try? JSONDecoder().decode(JSONValue.self, from: data)["error"]?["message"]?.stringValue)
                    ?? String(decoding: data.prefix(200), as: UTF8.self)
                lastProblem = "HTTP \(status) from \(url): \(message)"
                // A bad key or a bad request will not pass on a second try.
                guard status == 429 || status >= 500 else { break }
            } catch let error as SpeechError {
                throw error
            } catch {
                lastProblem = "no answer from \(url): \(error)"
                await service?.reportUnanswered()
            }
        }
        if service != nil { throw .unavailable("\(lastProblem). The model service's log is logs/cinema-models.log in the data directory.") }
        throw .unavailable("\(lastProblem). Check CINEMA_WHISPER_BASE_URL, the model and the key, or use --speech pocketsphinx.")
    }

    /// The multipart form OpenAI's endpoint takes: `file`, `model`, and optionally `language`;
    /// a film's soundtrack asks for `verbose_json` and adds `fields` for word times.
    static func form(
        boundary: String,
        wav: [UInt8],
        configuration: Configuration,
        responseFormat: String = "json",
        fields extra: [(String, String)] = []
    ) -> [UInt8] {
        var fields = [("model", configuration.model), ("response_format", responseFormat)]
        if let language = configuration.language, !language.isEmpty { fields.append(("language", language)) }
        if let prompt = configuration.prompt, !prompt.isEmpty { fields.append(("prompt", prompt)) }
        fields += extra
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"utterance.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8
        )
        body += wav
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }
}
