import ArgumentParser
import CinemaCore
import CinemaDirector
import CinemaLibrary
import MCP

struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the film library as MCP tools over standard input and output.",
        discussion: """
            Tools: search_video_clips, get_clip, list_films, reply_to. Point an MCP client at
            `cinema mcp` (for example in a model's tool configuration). Standard output carries the
            protocol; logs go to standard error.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try await global.context()
        let library = try context.openLibrary()
        let director = RetrievalDirector(library: library, configuration: RetrievalConfiguration(reader: context.reader))
        try await director.prepare()
        let server = LibraryMCPServer(library: library, director: director, logger: context.logger)
        try await server.run(transport: StdioTransport(logger: context.logger), version: CinemaVersion.current)
    }
}
