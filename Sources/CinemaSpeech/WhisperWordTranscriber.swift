import AsyncHTTPClient
import CinemaCore
import CinemaLibrary
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A film's soundtrack heard with the time of every word, by any server that speaks OpenAI's
/// `POST /v1/audio/transcriptions` with `response_format=verbose_json` and
/// `timestamp_granularities[]=word`: the model service on this machine (cinema-models), OpenAI
/// itself, or another compatible server. Pieces of soundtrack go up as WAVs in the same
/// multipart form a visitor's utterance does (`WhisperRecognizer.form`).
public struct WhisperWordTranscriber: SoundtrackTranscriber {
    public let configuration: WhisperRecognizer.Configuration
    private let client: HTTPClient

    public init(configuration: WhisperRecognizer.Configuration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var location: String { ServiceAddress.base(configuration.baseURL) }

    /// The service's own name for its model (`GET /models`): the model service runs the model it
    /// was started with whatever a request names, so the configured name alone could be wrong.
    /// A server that lists several models (OpenAI) has the configured one; one that does not
    /// serve the list at all answered nonetheless, and the configured name stands.
    public func model() async throws(TranscriptionError) -> String {
        var request = HTTPClientRequest(url: location + "/models")
        authorize(&request)
        let data: Data
        let status: Int
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            status = Int(response.status.code)
            data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw Task.isCancelled ? .cancelled : .unreachable(service: location, reason: Self.why(error))
        }
        guard (200..<300).contains(status), let list = try? JSONDecoder().decode(ModelList.self, from: data) else {
            return configuration.model
        }
        let names = list.data.map(\.id)
        if names.contains(configuration.model) { return configuration.model }
        // The model service also lists its embedding model: of several, the one Whisper model.
        let whispers = names.filter { $0.lowercased().contains("whisper") }
        if whispers.count == 1 { return whispers[0] }
        return names.count == 1 ? names[0] : configuration.model
    }

    public func words(in wav: [UInt8], seconds: Double) async throws(TranscriptionError) -> [TimedWord] {
        let boundary = "cinema-\(UUID().uuidString)"
        let body = WhisperRecognizer.form(
            boundary: boundary,
            wav: wav,
            configuration: configuration,
            responseFormat: "verbose_json",
            fields: [("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment")]
        )
        let url = location + "/audio/transcriptions"
        // On two cores the model service hears five minutes in about a minute; twice the audio's
        // length leaves room for a slower machine without waiting for ever on a stuck one.
        let timeout = TimeAmount.seconds(60 + Int64(2 * seconds))
        var problem = TranscriptionError.unreachable(service: location, reason: "no attempt was made")
        for attempt in 0...max(0, configuration.retries) {
            if attempt > 0 {
                // A service being restarted takes a moment; one that is down stays down for longer.
                do {
                    try await Task.sleep(for: .seconds(attempt))
                } catch {
                    throw .cancelled
                }
            }
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "multipart/form-data; boundary=\(boundary)")
            authorize(&request)
            request.body = .bytes(ByteBuffer(bytes: body))
            let status: Int
            let data: Data
            do {
                let response = try await client.execute(request, timeout: timeout)
                status = Int(response.status.code)
                data = Data(buffer: try await response.body.collect(upTo: 16 << 20))
            } catch {
                if Task.isCancelled { throw .cancelled }
                problem = .unreachable(service: location, reason: Self.why(error))
                continue
            }
            if (200..<300).contains(status) {
                return try words(from: data, url: url)
            }
            let message =
                (try? JSONDecoder().decode(JSONValue.self, from: data)["error"]?["message"]?.stringValue)
                ?? String(decoding: data.prefix(200), as: UTF8.self)
            problem = .failed(service: location, reason: "HTTP \(status) for \(String(format: "%.0f", seconds)) s of audio: \(message)")
            // A refused request (bad audio, bad key, too large) fails the same way every time.
            guard status == 429 || status >= 500 else { break }
        }
        throw problem
    }

    private func words(from data: Data, url: String) throws(TranscriptionError) -> [TimedWord] {
        guard let answer = try? JSONDecoder().decode(VerboseTranscription.self, from: data) else {
            throw .failed(service: location, reason: "its answer is not verbose_json: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        // OpenAI puts the words beside the segments; some servers put each segment's inside it.
        guard let words = answer.words ?? answer.segments?.compactMap(\.words).flatMap({ $0 }) else {
            if answer.segments?.isEmpty ?? true, answer.text?.trimmingCharacters(in: .whitespaces).isEmpty ?? true { return [] }
            throw .failed(
                service: location,
                reason:
                    "\(url) gave no word times: it must support timestamp_granularities[]=word (OpenAI, cinema-models and faster-whisper servers do)"
            )
        }
        return words.map { TimedWord(text: $0.word, start: $0.start, end: $0.end, probability: $0.probability ?? 1) }
    }

    /// Why nobody answered, in a few words rather than the network library's own.
    private static func why(_ error: any Error) -> String {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection refused: nothing listens there" }
        if let error = error as? HTTPClientError {
            if [.connectTimeout, .deadlineExceeded, .readTimeout].contains(error) { return "no answer in time" }
            if error == .remoteConnectionClosed { return "it closed the connection without answering" }
        }
        return "\(error)"
    }

    private func authorize(_ request: inout HTTPClientRequest) {
        if let key = configuration.apiKey, !key.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(key)") }
    }
}

/// The part of OpenAI's `verbose_json` transcription the library reads.
private struct VerboseTranscription: Decodable {
    struct Word: Decodable {
        var word: String
        var start: Double
        var end: Double
        var probability: Double?
    }

    struct Segment: Decodable {
        var words: [Word]?
    }

    var text: String?
    var words: [Word]?
    var segments: [Segment]?
}

/// OpenAI's `GET /models`.
private struct ModelList: Decodable {
    struct Model: Decodable {
        var id: String
    }

    var data: [Model]
}
