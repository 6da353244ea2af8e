import CinemaCore
import CinemaLibrary
import CinemaTestSupport
import Foundation
import Testing

/// `cinema index` embeds the spoken lines it indexed, through an OpenAI-compatible embeddings
/// server (a loopback one in OpenAI's wire format), and says once when it cannot.
@Suite("cinema index embeds lines")
struct IndexEmbeddingTests {
    static let lines = [
        "1\n00:00:01,000 --> 00:00:02,000\nWho are you?\n",
        "2\n00:00:03,000 --> 00:00:04,000\nI'm the new butler, sir.\n",
        "3\n00:00:05,000 --> 00:00:06,000\n[DOOR SLAMS]\n",
        "4\n00:00:07,000 --> 00:00:08,000\nWhere have you been\nall night?\n",
    ]

    @Test("The lines are embedded once: a second run embeds none, --json counts them, --no-embeddings asks nothing")
    func embeds() async throws {
        try await TemporaryDirectory.with { directory in
            try directory.write("films/Parlour.srt", Self.lines.joined(separator: "\n"))
            try await FakeModelServer.with([], afterScript: .embeddings()) { url, server in
                let environment = ["CINEMA_HOME": directory.file("home"), "CINEMA_EMBEDDINGS_URL": url + "/v1", "CINEMA_EMBEDDINGS_KEY": "sk-test"]
                let first = try await CinemaExecutable.run(["index", "--subtitles-only", directory.file("films")], environment: environment)
                #expect(first.status == 0, "\(first.standardError)")
                #expect(first.standardOutput.contains("Embedded 3 spoken lines in "), "\(first.standardOutput)")
                #expect(first.standardOutput.contains("(all-MiniLM-L6-v2); 3 have vectors, 0 do not."), "\(first.standardOutput)")
                #expect(first.standardError.contains("[3/3 lines"), "plain progress lines: \(first.standardError)")
                let sent = await server.received
                #expect(sent.count == 1)
                #expect(sent.first?.json["input"] as? [String] == ["Who are you?", "I'm the new butler, sir.", "Where have you been all night?"])
                #expect(sent.first?.headers["authorization"] == "Bearer sk-test")

                let again = try await CinemaExecutable.run(
                    ["index", "--json", "--subtitles-only", directory.file("films")],
                    environment: environment
                )
                #expect(again.status == 0, "\(again.standardError)")
                let report = try JSONDecoder().decode(IndexReport.self, from: Data(again.standardOutput.utf8))
                #expect(report.embedding?.embedded == 0)
                #expect(report.embedding?.lines == 3)
                #expect(report.embedding?.missing == 0)
                #expect(await server.received.count == 1)

                try directory.write("films/Roof.srt", "1\n00:00:01,000 --> 00:00:02,000\nThe cat is on the roof.\n")
                let skipped = try await CinemaExecutable.run(
                    ["index", "--no-embeddings", "--json", "--subtitles-only", directory.file("films")],
                    environment: environment
                )
                #expect(try JSONDecoder().decode(IndexReport.self, from: Data(skipped.standardOutput.utf8)).embedding == nil)
                #expect(await server.received.count == 1)
            }
        }
    }

    @Test("Without an embeddings service the films are indexed, and it says once that lines were not embedded and how to fix it")
    func noService() async throws {
        try await TemporaryDirectory.with { directory in
            try directory.write("films/Parlour.srt", Self.lines.joined(separator: "\n"))
            // Nothing listens on port 1: the connection is refused at once.
            let environment = ["CINEMA_HOME": directory.file("home"), "CINEMA_EMBEDDINGS_URL": "http://127.0.0.1:1"]
            let result = try await CinemaExecutable.run(["index", "--subtitles-only", directory.file("films")], environment: environment)
            #expect(result.status == 0, "\(result.standardError)")
            let output = result.standardOutput
            #expect(output.contains("Indexed 1 film"), "\(output)")
            #expect(
                output.contains(
                    "3 spoken lines were not embedded, so the director finds them by their words only: the embedding service at http://127.0.0.1:1/v1/embeddings did not answer"
                ),
                "\(output)"
            )
            #expect(output.components(separatedBy: "not embedded").count == 2, "said once: \(output)")
            #expect(output.contains("To embed them, install the model service"), "\(output)")
        }
    }
}
