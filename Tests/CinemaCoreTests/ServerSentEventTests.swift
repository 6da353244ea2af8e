import CinemaCore
import Testing

@Suite("Server-Sent Events and backoff")
struct ServerSentEventTests {
    static let stream = Array(
        "event: started\ndata: {\"clip_id\": 7}\n\n: a comment\r\nevent: ended\r\ndata: one\r\ndata: two\r\nid: 9\r\n\r\ndata: é\n\nevent: bare\n\n"
            .utf8
    )

    @Test("What the servers write is what the parser reads back: ids, names, and data of several lines")
    func roundTrip() {
        let events = [
            ServerSentEvent(id: "3", event: "decision", data: #"{"turn": 1}"#),
            ServerSentEvent(event: "visitor-speaking", data: "one\ntwo"),
        ]
        #expect(events[0].encoded == "id: 3\nevent: decision\ndata: {\"turn\": 1}\n\n")
        var parser = ServerSentEventParser()
        // The resume id carries over to the event without one, as a browser's would.
        #expect(
            parser.parse(Array(events.map(\.encoded).joined().utf8)) == [
                events[0], ServerSentEvent(id: "3", event: "visitor-speaking", data: "one\ntwo"),
            ]
        )
    }

    @Test("Events read the same whichever way the stream is cut: mid-line, mid-character, between \\r and \\n")
    func anyPieces() {
        var whole = ServerSentEventParser()
        let expected = whole.parse(Self.stream)
        #expect(
            expected == [
                ServerSentEvent(event: "started", data: #"{"clip_id": 7}"#),
                ServerSentEvent(id: "9", event: "ended", data: "one\ntwo"),
                ServerSentEvent(id: "9", data: "é"),
                ServerSentEvent(id: "9", event: "bare", data: ""),
            ]
        )
        #expect(expected[0].json["clip_id"]?.int64Value == 7)
        for size in 1...7 {
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            var start = 0
            while start < Self.stream.count {
                events += parser.parse(Self.stream[start..<min(start + size, Self.stream.count)])
                start += size
            }
            #expect(events == expected, "pieces of \(size) bytes")
        }
    }

    @Test("An event is not complete until its blank line")
    func incomplete() {
        var parser = ServerSentEventParser()
        #expect(parser.parse(Array("event: started\ndata: x\n".utf8)).isEmpty)
        #expect(parser.parse(Array("\n".utf8)) == [ServerSentEvent(event: "started", data: "x")])
    }

    @Test("Backoff doubles to its ceiling and starts over after a success")
    func backoff() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let pauses = (0..<6).map { _ in backoff.next(jitter: 1) }
        #expect(pauses == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.failures == 6)
        backoff.succeeded()
        #expect(backoff.next(jitter: 1) == .milliseconds(100))
        var fresh = Backoff()
        let jittered = fresh.next()
        #expect(jittered >= Duration.milliseconds(450) && jittered <= Duration.milliseconds(550))
    }
}
