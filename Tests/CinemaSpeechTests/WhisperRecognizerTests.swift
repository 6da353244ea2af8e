import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@testable import CinemaSpeech

@Suite("Speech to text over OpenAI's transcription API")
struct WhisperRecognizerTests {
    static func recognizer(_ url: String, retries: Int = 1, key: String? = "sk-test") -> WhisperRecognizer {
        var configuration = WhisperRecognizer.Configuration()
        configuration.baseURL = url + "/v1"
        configuration.model = "whisper-large-v3"
        configuration.apiKey = key
        configuration.retries = retries
        configuration.timeout = .seconds(30)
        return WhisperRecognizer(configuration: configuration)
    }

    @Test("Sends the utterance as a WAV in a multipart form with model and language; reads the text")
    func transcribes() async throws {
        let samples = [Int16](repeating: 1000, count: 16_000)
        try await FakeModelServer.with([.body(status: 200, #"{"text": " Who are you? "}"#)]) { url, server in
            let transcript = try await Self.recognizer(url).transcribe(samples, sampleRate: 16_000)
            #expect(transcript.text == "Who are you?")
            #expect(transcript.audioSeconds == 1)
            let request = try #require(await server.received.first)
            #expect(request.path == "/v1/audio/transcriptions")
            #expect(request.headers["authorization"] == "Bearer sk-test")
            #expect(request.headers["content-type"]?.hasPrefix("multipart/form-data; boundary=") == true)
            #expect(request.body.contains(#"name="model""# + "\r\n\r\nwhisper-large-v3"))
            #expect(request.body.contains(#"name="language""# + "\r\n\r\nen"))
            #expect(request.body.contains(#"name="file"; filename="utterance.wav""#))
            #expect(request.body.contains("RIFF"))
        }
    }

    @Test("A 503 is tried again; a bad key is not; a server that is down is a clear error")
    func failures() async throws {
        let samples = [Int16](repeating: 0, count: 1600)
        try await FakeModelServer.with([
            .body(status: 503, #"{"error": {"message": "overloaded", "type": "server_error"}}"#),
            .body(status: 200, #"{"text": "hello"}"#),
        ]) { url, server in
            let retried = try await Self.recognizer(url).transcribe(samples, sampleRate: 16_000)
            #expect(retried.text == "hello")
            #expect(await server.received.count == 2)
        }
        try await FakeModelServer.with([.body(status: 401, #"{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}"#)]
        ) {
            url,
            server in
            await #expect {
                _ = try await Self.recognizer(url, retries: 3).transcribe(samples, sampleRate: 16_000)
            } throws: { error in
                "\(error)".contains("401") && "\(error)".contains("Incorrect API key")
            }
            #expect(await server.received.count == 1)
        }
        await #expect {
            _ = try await Self.recognizer("http://127.0.0.1:9", retries: 1).transcribe(samples, sampleRate: 16_000)
        } throws: { error in
            "\(error)".contains("no answer from http://127.0.0.1:9/v1/audio/transcriptions")
        }
    }
}
