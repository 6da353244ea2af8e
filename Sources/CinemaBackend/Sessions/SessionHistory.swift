import CinemaCore
import CinemaDirector

/// What a session's log says of its conversation, folded over its events: a session restored
/// after a restart starts from this.
struct SessionHistory: Sendable {
    private(set) var conversation = Conversation()
    /// The last `visitor-text` event's number.
    private(set) var lastUtterance = 0
    private var heard: [(number: Int, text: String)] = []
    private var answered = Set<Int>()
    /// The session's own idle timeout, from its `created` event.
    private(set) var idleTimeout: Double?

    init(_ events: [SessionEvent] = []) {
        for event in events { apply(event) }
    }

    mutating func apply(_ event: SessionEvent) {
        switch event.body {
        case .created(let created):
            idleTimeout = created.idleTimeout
        case .decision(let payload):
            conversation.record(payload.decision, visitor: payload.visitor)
            answered.formUnion(payload.utterances)
        case .visitorText(let said):
            heard.append((said.utterance, said.text))
            lastUtterance = max(lastUtterance, said.utterance)
        case .turnDropped(let dropped):
            answered.formUnion(dropped.utterances)
        default:
            break
        }
    }

    /// What the visitor said and never got an answer to, oldest first.
    var unanswered: [(number: Int, text: String)] {
        heard.filter { !answered.contains($0.number) }
    }
}
