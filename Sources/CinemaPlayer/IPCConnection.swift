import CinemaCore
import Foundation
import NIOCore
import NIOPosix

/// mpv's IPC socket: one JSON object per line, each way. It exists only inside
/// ``withConnection(to:within:_:)``, whose end closes it.
struct IPCConnection: Sendable {
    private let inbound: NIOAsyncChannelInboundStream<ByteBuffer>
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Connects to the socket at `path`, runs `body` with the connection, then closes it.
    static func withConnection<T: Sendable>(
        to path: String,
        within limit: Duration,
        _ body: (IPCConnection) async throws -> T
    ) async throws -> T {
        let channel = try await connect(to: path, within: limit)
        return try await channel.executeThenClose { inbound, outbound in
            try await body(IPCConnection(inbound: inbound, writer: outbound))
        }
    }

    private static func connect(to path: String, within limit: Duration) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let deadline = ContinuousClock.now + limit
        var delay = Duration.milliseconds(10)
        while true {
            do {
                return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(unixDomainSocketPath: path) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                guard ContinuousClock.now + delay < deadline else {
                    throw PlayerError.mpvUnreachable("no mpv answered on \(path) within \(limit): \(error)")
                }
                // mpv creates the socket shortly after it starts, and nothing signals that: the
                // connection is tried again with a growing pause (cut short by cancellation).
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(200))
            }
        }
    }

    /// Hands `receive` every message mpv sends, in order, and returns when mpv closes the
    /// socket; a socket that breaks is thrown. A line that is not JSON is skipped: mpv writes
    /// nothing else, and one bad line must not end the connection.
    func receive(_ receive: @Sendable (JSONValue) async -> Void) async throws {
        var pending: [UInt8] = []
        for try await buffer in inbound {
            pending += buffer.readableBytesView
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                if let message = try? JSONDecoder().decode(JSONValue.self, from: line) { await receive(message) }
            }
        }
    }

    func send(_ message: JSONValue) async throws {
        var line = try JSONEncoder().encode(message)
        line.append(0x0A)
        try await writer.write(ByteBuffer(bytes: line))
    }
}
