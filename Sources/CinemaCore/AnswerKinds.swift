/// What kind of answer a turn got. Part of the session's schema: the decision event, the API's
/// replies, the evaluation and the dashboard all read it.
public enum AnswerKind: String, Sendable, Codable, Equatable, CaseIterable {
    /// The TV's opening line.
    case greeting
    /// The line that follows, in its film, a line like the visitor's.
    case reply
    /// A model's pick among clips it searched for.
    case llm
    /// "What?": nothing the visitor said could be answered.
    case fallback
    /// The TV's closing line.
    case farewell
    /// A clip the operator chose by hand (curator override); no director was asked.
    case curator
}

/// The ways a director comes to a candidate. A type rather than words in a note, so that
/// evaluations, the dashboard and the rules can tell them apart.
public enum CandidateKind: String, Sendable, Codable, Equatable, CaseIterable {
    /// The line that follows, in its film, a line like the visitor's.
    case reply
    /// A short line that takes up the visitor's own word and reacts ("Tired?").
    case retort
    /// The visitor's sentence turned around ("You're stupid." → "I'm not stupid!").
    case reflection
    /// A fitting reaction to thanks, distress, a rebuke or a bare "yes".
    case reaction
    /// A greeting, farewell or "what?" line from its pool.
    case pool
    /// A clip a language model found with its search tool.
    case pick
}
