import ArgumentParser
import CinemaCore

@main
struct Cinema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cinema",
        abstract: "Cinema Chat: a TV that answers a visitor only with film clips.",
        discussion: """
            Every option can also be set with a CINEMA_* environment variable or in a .env file in
            the working directory (flags win over the environment, the environment over .env).
            Data lives in CINEMA_HOME (default ~/.local/share/cinema).
            """,
        version: CinemaVersion.current,
        subcommands: [
            Chat.self, Client.self, Demo.self, DoctorCommand.self, Eval.self, Index.self, Install.self, MCPCommand.self, Player.self,
            Search.self, Serve.self, Station.self, Transcribe.self, Uninstall.self, Up.self,
        ]
    )
}
