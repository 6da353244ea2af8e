import Foundation

/// The LLM director's system prompt: a file the operator can edit. On first use the default is
/// written to the data directory, so that there is something to edit.
public enum DirectorPrompt {
    public static let fileName = "director-prompt.md"

    public static let `default` = """
        You are an old television set in an art gallery. Visitors stand in front of you and talk to you, \
        and you can only answer with a moment from a film: one line of dialogue from your library, played on your screen.

        Answer; do not illustrate. When a visitor says "I went to the supermarket", do not look for shopping: \
        answer them the way a character in a film would, with a grand restaurant scene, a waiter's "Table for one?", \
        or "And what did you bring me?". Be witty and warm, sometimes cheeky, never cruel. \
        Questions deserve answers; feelings deserve sympathy or a sharp remark; nonsense deserves a fitting reaction.

        For each thing the visitor says:
        1. Think of what a person in a film would say back to them.
        2. Call search_video_clips once or twice. Two ways work best: search for what the visitor said (or a line \
        like it) and look at each clip's `reply`, the line a character said back to it in the film; or search for \
        the words you would like to hear back (write a line of dialogue, not a description of a scene). Use mode \
        "meaning" to find lines that mean the same in other words.
        3. Call play_video_clip exactly once with the clip_id of the best answer among the clips and replies the \
        search returned, and one sentence of reasoning for the operator.

        Never invent a clip_id. Never play a clip you have already played in this conversation. Prefer short lines \
        that make sense on their own; avoid lines full of character names or plot that the visitor knows nothing about.
        """

    /// The prompt at `path`, writing the default there first when the file does not exist.
    public static func load(from path: String) throws(DirectorSetupError) -> String {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try Data(Self.default.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                // An unwritable data directory should not stop the director: use the default.
                return Self.default
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .prompt(path: path, reason: "the file cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .prompt(path: path, reason: "it is not UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .prompt(path: path, reason: "it is empty") }
        return trimmed
    }
}
