import CinemaCore
import CinemaDirector
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

/// The embeddings client against a loopback server speaking OpenAI's `POST /v1/embeddings`.
@Suite("OpenAI embeddings client")
struct OpenAIEmbeddingModelTests {
    @Test("It posts the lines as OpenAI asks and gets one vector per line, in order", arguments: ["", "/v1", "/v1/"])
    func success(suffix: String) async throws {
        try await FakeModelServer.with([.embeddings()]) { url, server in
            let model = OpenAIEmbeddingModel(baseURL: url + suffix, apiKey: "sk-test", timeout: .seconds(5))
            #expect(model.url == url + "/v1/embeddings")
            let vectors = try await model.embed(["Who are you?", "I'm the new butler, sir."])
            #expect(vectors == [FakeModelServer.wordVector("Who are you?"), FakeModelServer.wordVector("I'm the new butler, sir.")])
            let request = try #require(await server.received.first)
            #expect(request.path == "/v1/embeddings")
            #expect(request.headers["authorization"] == "Bearer sk-test")
            #expect(request.json["model"] as? String == "all-MiniLM-L6-v2")
            #expect(request.json["input"] as? [String] == ["Who are you?", "I'm the new butler, sir."])
            #expect(request.json["encoding_format"] as? String == "float")
        }
    }

    @Test("Each failure is an EmbeddingError that says what went wrong")
    func failures() async throws {
        let script: [FakeModelServer.Answer] = [
            FakeModelServer.openAIError(status: 500, message: "The model is overloaded.", type: "server_error"),
            .body(status: 200, "<html>not json</html>"),
            .embeddings(count: 1),
            .embeddings(dimensions: 100),
        ]
        try await FakeModelServer.with(script) { url, _ in
            let model = OpenAIEmbeddingModel(baseURL: url, timeout: .seconds(5))
            let endpoint = url + "/v1/embeddings"
            await #expect(throws: EmbeddingError.http(url: endpoint, status: 500, message: "server_error: The model is overloaded.")) {
                try await model.embed(["a", "b"])
            }
            await #expect(
                throws: EmbeddingError.malformed(
                    url: endpoint,
                    detail: "expected {\"data\": [{\"index\", \"embedding\"}]}, got <html>not json</html>"
                )
            ) {
                try await model.embed(["a", "b"])
            }
            await #expect(throws: EmbeddingError.malformed(url: endpoint, detail: "1 embeddings for 2 lines")) {
                try await model.embed(["a", "b"])
            }
            await #expect(throws: EmbeddingError.malformed(url: endpoint, detail: "an embedding of 100 numbers where all-MiniLM-L6-v2 has 384")) {
                try await model.embed(["a", "b"])
            }
        }
        // Nothing listens on port 1: the connection is refused at once.
        let down = OpenAIEmbeddingModel(baseURL: "http://127.0.0.1:1/v1", timeout: .seconds(5))
        do {
            _ = try await down.embed(["a"])
            Issue.record("a refused connection gave vectors")
        } catch let error as EmbeddingError {
            guard case .unreachable(let url, _) = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
            #expect(url == "http://127.0.0.1:1/v1/embeddings")
            #expect(error.description.contains("did not answer"))
        }
    }
}
