import CinemaCore
import Foundation
import Testing

/// The room's messages and the session's events have one home: what one side writes, the other
/// reads back as the same value.
@Suite("The room's and the session's schema")
struct RoomSchemaTests {
    static let clip = Clip(
        id: 42,
        filmID: 7,
        filmTitle: "The Parlour (1931)",
        videoPath: nil,
        start: 3.5,
        end: 6.2,
        cueStart: 3.5,
        cueEnd: 4.5,
        text: "Who are you?"
    )

    @Test("Every backend message reads back as itself from its frame's text")
    func serverMessages() throws {
        let messages: [ServerMessage] = [
            .botReady(answering: "join-1"), .userMuteStarted, .userMuteStopped, .userStartedSpeaking, .userStoppedSpeaking,
            .userTranscription(.init(text: "hello", final: false, at: Date(timeIntervalSince1970: 1_800_000_000.5))),
            .botLLMText("Because."),
            .playClip(turn: 3, clip: .init(clip: Self.clip, mediaURL: "http://127.0.0.1:8765/media/7")),
            .stopClip, .sessionEnded(reason: "goodbye"),
            .metrics(TurnTimings(turn: 3, vadMilliseconds: 300, sttMilliseconds: 210.5, directorMilliseconds: 12.3, totalMilliseconds: 240)),
            .error(.init(message: "Too many invalid messages", code: "policy-violation", fatal: true)),
        ]
        for message in messages {
            #expect(try ServerMessage(RoomMessage.decode(message.envelope.encoded())) == message)
        }
        // The clip's path and media URL are always on the wire, null when unknown.
        let text = ServerMessage.playClip(turn: 1, clip: .init(clip: Self.clip, mediaURL: nil)).envelope.encoded()
        #expect(text.contains(#""media_url":null"#) && text.contains(#""path":null"#), "\(text)")
    }

    @Test("Every device message reads back as itself from its frame's text")
    func clientMessages() throws {
        let messages: [ClientMessage] = [
            .clientReady(id: "ready", version: "2.1.0", audio: AudioFormat(sampleRate: 48000, channels: 2)),
            .sendText("Who are you?"), .clipStarted(clipID: 42, at: "2026-12-04T06:00:00.000Z"), .clipEnded(clipID: 42, reason: "stopped"),
            .playerError("mpv could not open the film"), .disconnect,
        ]
        for message in messages {
            #expect(try ClientMessage(RoomMessage.decode(message.envelope.encoded())) == message)
        }
    }

    @Test("Every kind of session event reads back as itself from the API's JSON")
    func sessionEvents() throws {
        let bodies: [SessionEvent.Body] = [
            .created(.init(station: nil, baseURL: "http://127.0.0.1:8765", config: nil)),
            .stateChanged(.init(from: .greeting, to: .conversing)), .participantJoined(.init(role: .device, connection: "A")),
            .participantLeft(.init(role: .observer, connection: "B")),
            .visitorText(.init(text: "hi", source: .operator, utterance: 2)),
            .turnDropped(.init(utterances: [2, 3], reason: "goodbye")), .clipStarted(.init(clipID: 42, turn: 2, playerMilliseconds: 4.2)),
            .clipEnded(.init(clipID: 42, turn: 2, reason: "barge-in")), .status(.init(status: "active", context: .object(["a": .number(1)]))),
            .needsHelp(.init(reason: "stuck")), .error(.init(source: .room, message: "not JSON", role: .device)),
            .ended(.init(reason: "idle", audio: .init(frames: 5, bytes: 3200, ignored: 1))),
            .unrecognized(SessionEvent.Kind(rawValue: "from-the-future"), .object(["x": .bool(true)])),
        ]
        for (index, body) in bodies.enumerated() {
            let event = SessionEvent(session: "s", sequence: Int64(index + 1), at: Date(timeIntervalSince1970: 1_800_000_000), body: body)
            #expect(try JSONDecoder().decode(SessionEvent.self, from: JSONEncoder().encode(event)) == event)
        }
        // Data that does not read as its kind is kept, not lost: a log from another version loads.
        let odd = #"{"session": "s", "sequence": 1, "at": "2026-12-04T06:00:00.000Z", "type": "clip-ended", "data": {"clip": "?"}}"#
        let read = try JSONDecoder().decode(SessionEvent.self, from: Data(odd.utf8))
        #expect(read.body == .unrecognized(.clipEnded, .object(["clip": .string("?")])))
    }
}
