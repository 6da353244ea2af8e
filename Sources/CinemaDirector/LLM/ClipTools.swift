public import CinemaCore
public import CinemaLibrary
import Foundation

/// The library as tools a model can call: the same definitions serve the LLM directors and
/// `cinema mcp`, so a model sees one vocabulary wherever it meets Cinema Chat.
public struct ClipTools: Sendable {
    let library: LibraryDatabase
    let meaning: MeaningSearch?

    public init(library: LibraryDatabase, meaning: MeaningSearch? = nil) {
        self.library = library
        self.meaning = meaning
    }

    /// How a search finds lines: by the words they contain, or by what they mean.
    public enum Mode: String, Sendable {
        case words, meaning
    }

    /// A line the search found, and the line that follows it in its film: the reply a character
    /// gave to it, often the best answer to a visitor who said something like the line.
    public struct Found: Sendable {
        public var clip: Clip
        public var reply: Clip?
    }

    public static let search = ToolDefinition(
        name: "search_video_clips",
        description: """
            Search the film library for lines of dialogue. Each clip found comes with `reply`, the line that \
            follows it in its film (when there is one): search for what the visitor said, or something like it, and \
            the reply is how a character answered it, often the best answer to play. \
            mode "words" (default) matches the words spoken, so write a line a character might say \
            ("what a lovely evening", "I'm not hungry"), not a scene summary; mode "meaning" finds lines that mean \
            the same in other words. Returns clips with their clip_id, film, time span and line, and the reply's.
            """,
        parameters: .object([
            "type": .string("object"),
            "properties": .object([
                "description": .object(["type": .string("string"), "description": .string("Words the line should contain or resemble.")]),
                "mode": .object([
                    "type": .string("string"), "enum": .array([.string("words"), .string("meaning")]),
                    "description": .string("words: lines containing these words; meaning: lines that mean the same. Default words."),
                ]),
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

    public enum SearchError: Error, CustomStringConvertible {
        case library(LibraryError)
        case meaning(String)

        public var description: String {
            switch self {
            case .library(let error): error.description
            case .meaning(let reason): "Searching by meaning is not available: \(reason). Search by words instead."
            }
        }
    }

    /// Lines matching `description`, each with its reply, leaving out those in `excluding`
    /// (already played).
    public func search(_ description: String, mode: Mode = .words, limit: Int, excluding: Set<Int64> = []) async throws(SearchError) -> [Found] {
        let wanted = min(max(1, limit), 20)
        var clips: [Clip]
        switch mode {
        case .words:
            do {
                clips = try await library.search(description, limit: wanted + excluding.count)
            } catch {
                throw .library(error)
            }
        case .meaning:
            guard let meaning else { throw .meaning("this library has no embeddings, or no embeddings server is configured") }
            do {
                clips = try await meaning.lines(nearest: description, limit: wanted, excluding: excluding).map(\.clip)
            } catch {
                throw .meaning("\(error)")
            }
        }
        clips = Array(clips.filter { !excluding.contains($0.id) }.prefix(wanted))
        let replies: [Int64: Clip]
        do {
            replies = try await library.replies(to: clips.map(\.id))
        } catch {
            throw .library(error)
        }
        return clips.map { Found(clip: $0, reply: replies[$0.id].flatMap { excluding.contains($0.id) ? nil : $0 }) }
    }

    /// What a model reads back: compact JSON, one object a clip, with its reply.
    public static func describe(_ found: [Found]) -> String {
        let entries: [JSONValue] = found.map { found in
            guard case .object(var entry) = describe(found.clip) else { return describe(found.clip) }
            if let reply = found.reply { entry["reply"] = describe(reply) }
            return .object(entry)
        }
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
