import Foundation

/// A turn waiting for its clip: the greeting, something the visitor said, the operator's pick,
/// or the farewell.
struct PendingTurn: Sendable, Equatable {
    enum Request: Sendable, Equatable {
        case greeting
        case visitor(String)
        case curator(clipID: Int64)
        /// Say goodbye, then end the session for `endReason`.
        case farewell(endReason: String, visitor: String?)
    }

    var request: Request
    /// The `visitor-text` events this turn answers; several when turns were merged.
    var utterances: [Int]
    /// HTTP callers waiting for the decision.
    var waiters: [UUID]
    /// When the oldest part of it arrived, for the turn's total time: for speech, when the
    /// detector heard the visitor stop, before recognition.
    var arrived: ContinuousClock.Instant
    /// How the oldest part was heard, when it was spoken.
    var speech: UtteranceTiming?

    init(_ request: Request, utterances: [Int] = [], waiters: [UUID] = [], speech: UtteranceTiming? = nil, arrived: ContinuousClock.Instant = .now) {
        self.request = request
        self.utterances = utterances
        self.waiters = waiters
        self.speech = speech
        self.arrived = speech?.endedAt ?? arrived
    }

    var visitorText: String? {
        switch request {
        case .visitor(let text): text
        case .farewell(_, let visitor): visitor
        case .greeting, .curator: nil
        }
    }

    /// Folds a later visitor turn into this one, if both are plain visitor turns: the visitor
    /// said both before the TV could answer, so one answer to all of it is the honest reply.
    mutating func merge(_ later: PendingTurn) -> Bool {
        guard case .visitor(let first) = request, case .visitor(let second) = later.request else { return false }
        request = .visitor(first + " " + second)
        utterances += later.utterances
        waiters += later.waiters
        return true
    }
}
