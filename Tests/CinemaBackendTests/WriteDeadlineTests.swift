import NIOCore
import NIOEmbedded
import Testing

@testable import CinemaHTTP

/// The write deadline every connection carries, on a channel whose socket takes nothing until
/// the test says so.
@Suite("The write deadline")
struct WriteDeadlineTests {
    /// Stands for a socket whose peer stopped reading: writes wait until `take` is called.
    final class StuckSocket: ChannelOutboundHandler {
        typealias OutboundIn = NIOAny
        var waiting: [EventLoopPromise<Void>] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if let promise { waiting.append(promise) }
        }

        func flush(context: ChannelHandlerContext) {}

        /// The peer reads: the oldest write completes.
        func take() {
            if !waiting.isEmpty { waiting.removeFirst().succeed() }
        }
    }

    static func channel() throws -> (EmbeddedChannel, StuckSocket) {
        let socket = StuckSocket()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.pipeline.syncOperations.addHandler(WriteDeadlineHandler(deadline: .seconds(30)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, socket)
    }

    @Test("A write the peer does not take within the deadline closes the connection; one taken in time does not")
    func closesOnlyWhenStuck() throws {
        let (channel, socket) = try Self.channel()
        // Read apart from the expectations: one that fails describes the values it was given, and
        // describing an EmbeddedChannel's pipeline traps in NIO 2.101.
        var open: Bool
        channel.write(ByteBuffer(string: "one"), promise: nil)
        channel.write(ByteBuffer(string: "two"), promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        // The peer takes one write: progress, so the other gets a new 30 s.
        socket.take()
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        open = channel.isActive
        #expect(open, "40 s in, but a write completed 20 s ago")
        channel.embeddedEventLoop.advanceTime(by: .seconds(11))
        open = channel.isActive
        #expect(!open, "nothing taken for 31 s")
    }

    @Test("An idle connection is never closed, and a new wait gets the whole deadline")
    func idleIsFine() throws {
        let (channel, socket) = try Self.channel()
        // Read apart from the expectations: one that fails describes the values it was given, and
        // describing an EmbeddedChannel's pipeline traps in NIO 2.101.
        var open: Bool
        channel.write(ByteBuffer(string: "one"), promise: nil)
        socket.take()
        channel.embeddedEventLoop.advanceTime(by: .seconds(100))
        open = channel.isActive
        #expect(open, "nothing was waiting")
        channel.write(ByteBuffer(string: "two"), promise: nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        open = channel.isActive
        #expect(open)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        open = channel.isActive
        #expect(!open)
        _ = try? channel.finish()
    }
}
