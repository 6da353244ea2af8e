/// Where a film's dialogue came from, as the library records it (`Film.subtitleSource`):
/// `sidecar`, `embedded:<stream>` and `subtitles-only` for subtitles, and for a film that has
/// none, its soundtrack: `none` until it is heard, `transcribing:<model>` while some pieces
/// are, `transcribed:<model>` once all are.
enum DialogueSource {
    static let none = "none"

    static func transcribing(_ model: String) -> String { "transcribing:" + model }
    static func transcribed(_ model: String) -> String { "transcribed:" + model }

    /// A film with no subtitles whose soundtrack is not wholly transcribed yet.
    static func awaitsTranscription(_ source: String) -> Bool {
        source == none || source.hasPrefix("transcribing:")
    }
}
