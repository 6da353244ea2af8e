import CinemaCore
import Foundation
import Testing

@testable import CinemaBackend

@Suite("A room's socket")
struct RoomConnectionTests {
    @Test("A message over the frame limit is never sent: the device gets an error instead and keeps its room")
    func oversizedMessage() async throws {
        let connection = RoomConnection(role: .device, capacity: 8, maxMessageBytes: 300)
        connection.send(.userTranscription(String(repeating: "long ", count: 100), at: Date()))
        connection.send(.botReady(answering: "1"))
        connection.close(reason: "", policy: false)
        var sent: [RoomMessage] = []
        for await item in connection.outbox {
            if case .text(let text) = item { sent.append(try RoomMessage.decode(text)) }
        }
        #expect(sent.map(\.type) == ["error", "bot-ready"])
        #expect(sent.first?.data?["code"]?.stringValue == "message-too-large")
        #expect(sent.first?.data?["fatal"]?.boolValue == false)
    }
}
