import CinemaCore
import CinemaTestSupport
import Foundation
import Testing

@Suite("cinema chat and cinema mcp")
struct ChatAndMCPTests {
    /// A home with the 60 films' subtitles indexed.
    static func filmsHome(_ directory: TemporaryDirectory) async throws -> String {
        let home = directory.file("home")
        let index = try await CinemaExecutable.run(["index", SharedData.films, "--subtitles-only"], environment: ["CINEMA_HOME": home])
        #expect(index.status == 0, "\(index.standardError)")
        return home
    }

    struct Line: Decodable {
        struct Decision: Decodable {
            var clip: Clip
            var kind: String
            var director: String
            var reasoning: String
            var fallbackReason: String?
        }
        var visitor: String?
        var decision: Decision
    }

    static func lines(_ output: String) throws -> [Line] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    }

    @Test("A scripted conversation: greeting, one decision a line, no clip twice, goodbye ends it")
    func scriptedConversation() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.filmsHome(directory)
            let input = ["Hello there!", "Who are you?", "Do you believe in ghosts?", "", "Who are you?", "Goodbye!", "never read"].joined(
                separator: "\n"
            )
            let result = try await CinemaExecutable.run(["chat", "--json", "--seed", "3"], environment: ["CINEMA_HOME": home], input: input)
            #expect(result.status == 0, "\(result.standardError)")
            let lines = try Self.lines(result.standardOutput)
            #expect(lines.map(\.decision.kind) == ["greeting", "reply", "reply", "reply", "fallback", "reply", "farewell"])
            #expect(lines.map(\.visitor) == [nil, "Hello there!", "Who are you?", "Do you believe in ghosts?", "", "Who are you?", "Goodbye!"])
            #expect(Set(lines.map(\.decision.clip.id)).count == lines.count)
            #expect(lines.allSatisfy { !$0.decision.reasoning.isEmpty && $0.decision.clip.end > $0.decision.clip.start })
            // The same seed replays the same conversation.
            let again = try await CinemaExecutable.run(["chat", "--json", "--seed", "3"], environment: ["CINEMA_HOME": home], input: input)
            #expect(try Self.lines(again.standardOutput).map(\.decision.clip.id) == lines.map(\.decision.clip.id))
        }
    }

    @Test("A person at the terminal sees the line, the film, the span, the reasoning and the time taken")
    func humanOutput() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.filmsHome(directory)
            let result = try await CinemaExecutable.run(
                ["chat", "--seed", "1"],
                environment: ["CINEMA_HOME": home],
                input: "Do you believe in ghosts?\n"
            )
            #expect(result.status == 0)
            #expect(result.standardOutput.contains("TV ▸"))
            #expect(result.standardOutput.contains("you ▸"))
            #expect(result.standardOutput.contains("why: Heard “Do you believe in ghosts?”"))
            #expect(result.standardOutput.contains(" ms]"))
        }
    }

    @Test("--director openai talks to an OpenAI-compatible server; a missing key or unknown director is a clear error")
    func llmDirector() async throws {
        try await TemporaryDirectory.with { directory in
            let home = try await Self.filmsHome(directory)
            let unknown = try await CinemaExecutable.run(["chat", "--director", "oracle"], environment: ["CINEMA_HOME": home], input: "")
            #expect(unknown.status != 0)
            #expect(unknown.standardError.contains("Unknown director 'oracle'"))
            let keyless = try await CinemaExecutable.run(["chat", "--director", "anthropic"], environment: ["CINEMA_HOME": home], input: "")
            #expect(keyless.status != 0)
            #expect(keyless.standardError.contains("CINEMA_ANTHROPIC_API_KEY is not set"))

            // A local server needs no key. It searches once, then invents a clip: the retrieval
            // director answers and the decision says why.
            try await FakeModelServer.with([
                FakeModelServer.openAIToolCalls([("c1", "search_video_clips", #"{"description": "ghosts"}"#)]),
                FakeModelServer.openAIToolCalls([("c2", "play_video_clip", #"{"clip_id": 123456789, "reasoning": "invented"}"#)]),
            ]) { url, server in
                let result = try await CinemaExecutable.run(
                    ["chat", "--json", "--director", "openai"],
                    // A roomy budget: the point is the invented clip, and a loaded CI has taken 4 s.
                    environment: [
                        "CINEMA_HOME": home, "CINEMA_OPENAI_BASE_URL": url + "/v1", "CINEMA_OPENAI_MODEL": "local",
                        "CINEMA_DIRECTOR_TIME_BUDGET": "30",
                    ],
                    input: "Do you believe in ghosts?\n"
                )
                #expect(result.status == 0, "\(result.standardError)")
                let lines = try Self.lines(result.standardOutput)
                let answer = try #require(lines.first { $0.visitor == "Do you believe in ghosts?" })
                #expect(answer.decision.director == "retrieval")
                #expect(answer.decision.fallbackReason?.contains("invalid pick: clip 123456789") == true)
                #expect(await server.received.first?.json["model"] as? String == "local")
                // The editable prompt was written to the data directory on first use.
                #expect(FileManager.default.fileExists(atPath: home + "/director-prompt.md"))
            }
        }
    }

    @Test("The official MCP Python client lists and calls the tools, and gets tool errors for bad arguments")
    func mcpWithPythonClient() async throws {
        let python = SharedData.packageRoot + "/.build/python-tools/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "run script/test (it installs the MCP Python client into \(python))")
        try await TemporaryDirectory.with { directory in
            let home = try await Self.filmsHome(directory)
            let run = try await CinemaExecutable.runProgram(
                python,
                [SharedData.packageRoot + "/Tests/Interop/mcp_client.py", CinemaExecutable.path, home]
            )
            #expect(run.status == 0, "\(run.standardError)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any], "\(run.standardError)")
            #expect(report["server"] as? String == "cinema-chat")
            #expect(report["tools"] as? [String] == ["get_clip", "list_films", "reply_to", "search_video_clips"])
            let clips = try #require((report["search"] as? [String: Any])?["clips"] as? [[String: Any]])
            #expect(clips.count == 3)
            #expect(clips.allSatisfy { ($0["line"] as? String)?.lowercased().contains("ghost") == true })
            #expect((report["clip"] as? [String: Any])?["clip_id"] as? Int == clips[0]["clip_id"] as? Int)
            #expect((report["films"] as? [String: Any])?["count"] as? Int == 60)
            #expect((report["reply"] as? [String: Any])?["kind"] as? String == "reply")
            for bad in ["missing", "wrong_type", "unknown_clip"] {
                let result = try #require(report[bad] as? [String: Any])
                #expect(result["error"] as? Bool == true, "\(bad)")
            }
            #expect(((report["missing"] as? [String: Any])?["text"] as? String)?.contains("needs a `description`") == true)
        }
    }
}

@Suite("cinema chat --play", .tags(.media))
struct ChatPlayTests {
    @Test("--play plays exactly the chosen span with mpv (here headless, writing frames)")
    func playsWithMPV() async throws {
        try await TemporaryDirectory.with { directory in
            let films = try directory.makeDirectory("films")
            try await MediaFixtures.makeVideo(at: films + "/Ghost_Story_1950.mp4", seconds: 8)
            try directory.write(
                "films/Ghost_Story_1950.srt",
                "1\n00:00:01,000 --> 00:00:02,500\nDo you believe in ghosts?\n\n2\n00:00:03,000 --> 00:00:05,000\nOnly on Tuesdays.\n\n"
                    + "3\n00:00:06,000 --> 00:00:07,000\nHello.\n\n4\n00:00:07,000 --> 00:00:08,000\nGoodbye.\n"
            )
            let home = directory.file("home")
            #expect(try await CinemaExecutable.run(["index", films], environment: ["CINEMA_HOME": home]).status == 0)
            let frames = try directory.makeDirectory("frames")
            let result = try await CinemaExecutable.run(
                ["chat", "--json", "--play"],
                environment: ["CINEMA_HOME": home, "CINEMA_MPV_OPTIONS": "--vo=image --vo-image-format=png --vo-image-outdir=\(frames) --ao=null"],
                input: "Do you believe in ghosts?\n"
            )
            #expect(result.status == 0, "\(result.standardError)")
            #expect(!result.standardError.contains("could not play"), "\(result.standardError)")
            let lines = try ChatAndMCPTests.lines(result.standardOutput)
            let answer = try #require(lines.first { $0.visitor == "Do you believe in ghosts?" })
            #expect(answer.decision.clip.text == "Only on Tuesdays.")
            #expect(lines.map(\.decision.clip.text) == ["Hello.", "Only on Tuesdays.", "Goodbye."])
            // Each mpv run writes its frames from 00000001.png again, so the folder holds as many as
            // the longest span played: the reply's 2.7–5.5 s of a 10 fps film, 28 frames (not 80).
            let written = try FileManager.default.contentsOfDirectory(atPath: frames).filter { $0.hasSuffix(".png") }.count
            #expect((26...30).contains(written), "\(written) frames")
        }
    }
}
