import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A TCP connection that sends exactly the bytes a test gives it, for what well-behaved HTTP
/// clients never send (a 90 KB header) and for peers that misbehave: one that stops reading,
/// one that hangs up in the middle of a stream.
public final class RawConnection {
    private let channel: any Channel
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Set when a read gave up: the connection was closed for it.
    public private(set) var timedOut = false

    private init(
        channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Connects to `port` on loopback for the length of `body`, then closes. `receiveBuffer`
    /// shrinks the socket's receive buffer (bytes), so that a peer that stops reading fills it
    /// soon.
    public static func with<T>(
        port: Int,
        receiveBuffer: Int? = nil,
        _ body: (RawConnection) async throws -> T
    ) async throws -> T {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: .init(receiveBuffer)) }
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                // Low watermarks: a connection nobody reads from soon stops reading its socket.
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel,
                    configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2), isOutboundHalfClosureEnabled: true)
                )
            }
        }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = RawConnection(channel: channel.channel, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(connection)
        }
    }

    /// Connects, sends `request`, and returns everything the server sends until it closes the
    /// connection; nil when it has not closed it within `limit`.
    public static func exchange(port: Int, _ request: [UInt8], within limit: Duration = .seconds(10)) async throws -> String? {
        try await with(port: port) { connection in
            try await connection.send(request)
            return try await connection.readToEnd(within: limit).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    public func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Everything the server sends until it closes its side; nil if it has not within `limit`
    /// (the connection is then closed).
    public func readToEnd(within limit: Duration) async throws -> [UInt8]? {
        var bytes: [UInt8] = []
        let ended = try await reading(within: limit) { buffer in
            bytes += buffer.readableBytesView
            return false
        }
        return ended ? bytes : nil
    }

    /// What the server sends until `marker` has arrived; nil if it has not within `limit` (the
    /// connection is then closed).
    public func read(until marker: String, within limit: Duration) async throws -> String? {
        var text = ""
        _ = try await reading(within: limit) { buffer in
            text += String(decoding: buffer.readableBytesView, as: UTF8.self)
            return text.contains(marker)
        }
        return text.contains(marker) ? text : nil
    }

    /// Ends this side: the server reads the end of the stream, as from a client that hung up.
    public func hangUp() {
        outbound.finish()
    }

    /// Reads until `enough` says so (true) or the stream ends (true), or `limit` passes (false).
    private func reading(within limit: Duration, _ enough: (ByteBuffer) -> Bool) async throws -> Bool {
        let channel = channel
        let expired = Mutex(false)
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(limit)) {
            expired.withLock { $0 = true }
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            while let buffer = try await inbound.next() {
                if enough(buffer) { return true }
            }
        } catch {
            // A reset ends the stream too; only the timer's close is a time-out.
        }
        // The stream also ends when the timer closed the connection.
        if expired.withLock({ $0 }) {
            timedOut = true
            return false
        }
        return true
    }
}
