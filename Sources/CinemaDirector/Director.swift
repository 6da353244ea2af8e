/// Chooses the clip that answers the visitor. This is the seam where the art lives: a retrieval
/// director that needs nothing but the library, and language-model directors that fall back to it.
public protocol Director: Sendable {
    /// Short name for logs and decisions: `retrieval`, `openai`, `anthropic`.
    var name: String { get }

    /// The TV's opening clip for a new session.
    func greet(_ conversation: Conversation) async throws(DirectorError) -> Decision

    /// The clip that answers what the visitor just said.
    func reply(to utterance: String, in conversation: Conversation) async throws(DirectorError) -> Decision

    /// The TV's closing clip.
    func farewell(_ conversation: Conversation) async throws(DirectorError) -> Decision

    /// Does the one-time work (searching the library for greeting, farewell and reaction lines)
    /// before the first visitor arrives, so that no turn waits for it.
    func prepare() async throws(DirectorError)
}

extension Director {
    public func prepare() async throws(DirectorError) {}
}

public enum DirectorError: Error, CustomStringConvertible, Equatable {
    /// There is nothing at all to play.
    case emptyLibrary(path: String)
    /// The library could not be read.
    case library(String)

    public var description: String {
        switch self {
        case .emptyLibrary(let path):
            "The library at \(path) has no spoken lines to answer with. Run `cinema demo`, or `cinema index DIR` for your own films."
        case .library(let message):
            message
        }
    }
}
