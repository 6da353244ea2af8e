public import CinemaCore
public import CinemaLibrary
import Foundation

/// The library as tools a model can call: the same definitions serve the LLM directors and
/// `cinema mcp`, so a model sees one vocabulary wherever it meets Cinema Chat.
public struct ClipTools: Sendable {
    let library: LibraryDatabase

    public init(library: LibraryDatabase) {
        self.library = library
    }

    public static let search = ToolDefinition(
        name: "search_video_clips",
        description: """
            Search the film library for lines of dialogue. The search matches the words spoken in the films, \
            so describe the line you want the TV to say in words a character might say \
            ("what a lovely evening", "I'm not hungry", "get out of here"), not a scene summary. \
            Returns clips with their clip_id, film, time span and line.
            """,
        parameters: .object([
            "type": .string("object"),
            "properties": .object([
                "description": .object(["type": .string("string"), "description": .string("Words the line should contain or resemble.")]),
                "limit": .object([
                    "type": .string("integer"), "description": .string("How many clips to return, 1 to 20 (default 8)."),
                    "minimum": .number(1), "maximum": .number(20),
                ]),
            ]),
            "required": .array([.string("description")]),
        ])
    )

    public static let play = ToolDefinition(
        name: "play_video_clip",
        description: "Play one clip on the TV as the answer to the visitor. Call this exactly once per turn, with a clip_id from search_video_clips.",
        parameters: .object([
            "type": .string("object"),
            "properties": .object([
                "clip_id": .object(["type": .string("integer"), "description": .string("The clip_id of a clip returned by search_video_clips.")]),
                "reasoning": .object([
                    "type": .string("string"), "description": .string("One sentence for the operator: why this line answers the visitor."),
                ]),
            ]),
            "required": .array([.string("clip_id"), .string("reasoning")]),
        ])
    )

    public static let getClip = ToolDefinition(
        name: "get_clip",
        description: "Look up one clip by its clip_id: film, time span, line.",
        parameters: .object([
            "type": .string("object"),
            "properties": .object(["clip_id": .object(["type": .string("integer")])]),
            "required": .array([.string("clip_id")]),
        ])
    )

    public static let listFilms = ToolDefinition(
        name: "list_films",
        description: "List the films in the library with their length and number of lines.",
        parameters: .object(["type": .string("object"), "properties": .object([:])])
    )

    public static let replyTo = ToolDefinition(
        name: "reply_to",
        description: "Ask the offline retrieval director which clip it would play in answer to what a visitor said.",
        parameters: .object([
            "type": .string("object"),
            "properties": .object(["text": .object(["type": .string("string"), "description": .string("What the visitor said.")])]),
            "required": .array([.string("text")]),
        ])
    )

    /// Clips matching `description`, leaving out those in `excluding` (already played).
    public func search(_ description: String, limit: Int, excluding: Set<Int64> = []) async throws(LibraryError) -> [Clip] {
        let wanted = min(max(1, limit), 20)
        return Array(try await library.search(description, limit: wanted + excluding.count).filter { !excluding.contains($0.id) }.prefix(wanted))
    }

    /// What a model reads back: compact JSON, one object a clip.
    public static func describe(_ clips: [Clip]) -> String {
        let entries: [JSONValue] = clips.map(describe)
        return json(.object(["clips": .array(entries), "count": .number(Double(entries.count))]))
    }

    public static func describe(_ clip: Clip) -> JSONValue {
        var entry: [String: JSONValue] = [
            "clip_id": .number(Double(clip.id)),
            "film": .string(clip.filmTitle),
            "start": .number((clip.start * 10).rounded() / 10),
            "end": .number((clip.end * 10).rounded() / 10),
            "line": .string(clip.text.split(separator: "\n").joined(separator: " / ")),
        ]
        // Heard in the soundtrack rather than read from subtitles: its words may be misheard.
        if clip.transcribed { entry["transcribed"] = .bool(true) }
        return .object(entry)
    }

    static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
