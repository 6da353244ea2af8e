import CinemaCore
import CinemaDirector
import CinemaLibrary
import Foundation
import Logging

extension LiveSession {
    /// Chooses and sends the clip for one turn; run by the engine, one at a time per session.
    func runTurn(_ pending: PendingTurn, number: Int) async {
        let clock = ContinuousClock()
        let started = clock.now
        let decision: Decision
        do {
            decision = try await TurnDecider(services: services).decide(pending, in: conversation)
        } catch {
            await failed(pending, number: number, error: error)
            return
        }
        let decided = clock.now
        // The session may have ended while the director thought; its waiters know already.
        guard machine.isLive else { return }
        let now = Date()
        conversation.record(decision, visitor: pending.visitorText)
        let mediaURL = decision.clip.videoPath == nil ? nil : record.baseURL + "/media/\(decision.clip.filmID)"
        let payload = DecisionPayload(
            turn: number,
            decision: decision,
            visitor: pending.visitorText,
            utterances: pending.utterances,
            mediaURL: mediaURL,
            directorMilliseconds: Self.milliseconds(decided - started),
            totalMilliseconds: Self.milliseconds(decided - pending.arrived),
            speech: pending.speech
        )
        record.turns = number
        var endAfter: String?
        if case .farewell(let reason, _) = pending.request { endAfter = reason }
        let actions = machine.decided(clipID: decision.clip.id, duration: decision.clip.duration, endAfter: endAfter, now: now)
        await commit([logged(.decision(payload), now)])
        // Sent only once the decision is in the log.
        broadcast(.playClip(turn: number, clip: ServerMessage.ClipToPlay(clip: decision.clip, mediaURL: mediaURL)), to: .everyone)
        broadcast(.botLLMText(decision.reasoning), to: .observers)
        let sentAt = clock.now
        let timings = TurnTimings(
            turn: number,
            vadMilliseconds: pending.speech?.vadMilliseconds,
            sttMilliseconds: pending.speech?.sttMilliseconds,
            directorMilliseconds: payload.timings.directorMilliseconds,
            totalMilliseconds: Self.milliseconds(sentAt - pending.arrived)
        )
        sent = (decision.clip.id, timings, sentAt)
        broadcast(.metrics(timings), to: .everyone)
        services.metrics.turn(kind: decision.kind.rawValue, decision: decided - started, timings: timings)
        var events: [SessionEvent] = []
        apply(actions, now: now, into: &events)
        if !events.isEmpty { await commit(events) }
        resolve(pending.waiters, with: .success(payload))
    }

    private func failed(_ pending: PendingTurn, number: Int, error: any Error) async {
        let now = Date()
        let message = (error as? DirectorError)?.description ?? "\(error)"
        logger.error("No clip for turn", metadata: ["turn": "\(number)", "error": "\(message)"])
        services.metrics.error("director")
        var events = [logged(.error(.init(source: .director, message: message, turn: number)), now)]
        broadcast(.error(.init(message: "No clip for this turn: \(message)", code: "director-failed", fatal: false)), to: .everyone)
        apply(machine.decisionFailed(now: now), now: now, into: &events)
        await commit(events)
        let failure: SessionRequestError = (error as? SessionRequestError) ?? .directorFailed(message)
        resolve(pending.waiters, with: .failure(failure))
    }
}

/// Asks for one turn's clip: the director for the greeting, the visitor's words and the
/// farewell; the library for the operator's pick.
struct TurnDecider: Sendable {
    let services: SessionServices

    func decide(_ pending: PendingTurn, in conversation: Conversation) async throws -> Decision {
        let director = services.director
        switch pending.request {
        case .greeting:
            return try await director.greet(conversation)
        case .visitor(let text):
            return try await director.reply(to: text, in: conversation)
        case .farewell:
            return try await director.farewell(conversation)
        case .curator(let clipID):
            guard let clip = try await services.library.clip(id: clipID) else { throw SessionRequestError.unknownClip(clipID) }
            return Decision(clip: clip, kind: .curator, director: "curator", reasoning: "The operator chose this clip by hand.")
        }
    }
}
