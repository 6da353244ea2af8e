public import CinemaCore
public import CinemaLibrary
import Foundation

/// Runs a director over a list of visitor utterances, in sessions, and measures what a person
/// would notice: how often it answered from a matched reply rather than "what?", repeats, clip
/// lengths, films used, and how long decisions took. Alongside each answer it records two
/// baselines, for blind judging: the library line that best matches the visitor's words, and the
/// line right after that one in its film.
public enum DirectorEvaluation {
    public struct Turn: Sendable, Codable {
        public var session: Int
        public var utterance: String
        public var kind: Decision.Kind
        /// How the answer was found: `reply (words)`, `reply (meaning)`, `reply (words and
        /// meaning)`, `retort`, `reflection`, `reaction`, `greeting back`, `fallback`, `farewell`,
        /// `model`.
        public var path: String
        /// The library line like the visitor's that the answer follows, when it is a reply.
        public var matched: String?
        /// The chosen candidate's score, when the director weighed candidates.
        public var score: Double?
        public var answer: String
        public var film: String
        public var speechSeconds: Double
        public var milliseconds: Double
        /// Baseline 1: the best match of the visitor's words.
        public var literal: String?
        /// Baseline 2: the line right after that match.
        public var next: String?
        public var clipID: Int64
    }

    public struct Summary: Sendable, Codable {
        public var turns: Int
        public var sessions: Int
        public var kinds: [String: Int]
        public var paths: [String: Int]
        /// Share of replies (not greetings or farewells) that came from the matched-reply path.
        public var replyShare: Double
        public var repeatsWithinSessions: Int
        public var distinctFilms: Int
        public var speechSeconds: Percentiles
        public var decisionMilliseconds: Percentiles
    }

    public struct Report: Sendable, Codable {
        public var turns: [Turn]
        public var summary: Summary
    }

    /// Utterances from a file: one a line, or `category<TAB>utterance`; blank lines and `#`
    /// comments are skipped.
    public static func utterances(fromFile path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
            .map { line in (line.split(separator: "\t").last.map(String.init) ?? "").trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Each session greets, then answers `sessionLength` utterances in order (a goodbye gets the
    /// farewell, as in a real session).
    public static func run(
        director: any Director,
        library: LibraryDatabase,
        utterances: [String],
        sessionLength: Int = 10
    ) async throws -> Report {
        let clock = ContinuousClock()
        var turns: [Turn] = []
        var repeats = 0
        var sessionIndex = 0
        for chunk in stride(from: 0, to: utterances.count, by: max(1, sessionLength)).map({
            utterances[$0..<min($0 + sessionLength, utterances.count)]
        }) {
            sessionIndex += 1
            var conversation = Conversation()
            conversation.record(try await director.greet(conversation), visitor: nil)
            for utterance in chunk {
                let started = clock.now
                let decision =
                    VisitorIntent.isGoodbye(utterance)
                    ? try await director.farewell(conversation)
                    : try await director.reply(to: utterance, in: conversation)
                let milliseconds = (clock.now - started) / .milliseconds(1)
                if conversation.playedClipIDs.contains(decision.clip.id) { repeats += 1 }
                conversation.record(decision, visitor: utterance)
                let literal = try await library.search(utterance, limit: 1).first
                let next = try await literal.asyncMap { try await library.spokenClip(atOrAfter: $0.id + 1, minSpeech: 0, maxSpeech: 1_000) }
                turns.append(
                    Turn(
                        session: sessionIndex,
                        utterance: utterance,
                        kind: decision.kind,
                        path: path(of: decision),
                        matched: decision.chosen?.match?.text,
                        score: decision.chosen?.score,
                        answer: decision.clip.text,
                        film: decision.clip.filmTitle,
                        speechSeconds: decision.clip.cueEnd - decision.clip.cueStart,
                        milliseconds: milliseconds,
                        literal: literal?.text,
                        next: next.flatMap { $0 }?.text,
                        clipID: decision.clip.id
                    )
                )
            }
        }
        let replies = turns.filter { $0.kind == .reply || $0.kind == .fallback || $0.kind == .llm }
        let summary = Summary(
            turns: turns.count,
            sessions: sessionIndex,
            kinds: Dictionary(grouping: turns, by: \.kind.rawValue).mapValues(\.count),
            paths: Dictionary(grouping: turns, by: \.path).mapValues(\.count),
            replyShare: replies.isEmpty ? 0 : Double(replies.filter { $0.kind != .fallback }.count) / Double(replies.count),
            repeatsWithinSessions: repeats,
            distinctFilms: Set(turns.map(\.film)).count,
            speechSeconds: Percentiles(turns.map(\.speechSeconds)),
            decisionMilliseconds: Percentiles(turns.map(\.milliseconds))
        )
        return Report(turns: turns, summary: summary)
    }
}

/// Which of the director's ways of answering produced a decision.
private func path(of decision: Decision) -> String {
    switch decision.kind {
    case .fallback: return "fallback"
    case .farewell: return "farewell"
    case .greeting: return "greeting"
    case .llm: return "model"
    case .curator: return "curator"
    case .reply: break
    }
    guard let chosen = decision.chosen else { return "other" }
    switch chosen.kind {
    case .reply: return "reply (\(chosen.match?.foundBy ?? "words"))"
    case .pool: return "greeting back"
    case .pick: return "model"
    case .retort, .reflection, .reaction: return chosen.kind.rawValue
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
