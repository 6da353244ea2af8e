import CinemaCore
import Foundation
import NIOCore
import NIOPosix

/// mpv's IPC socket: one JSON object per line, each way.
final class IPCConnection: Sendable {
    private let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Every line mpv sends, parsed; lines that are not JSON objects are skipped.
    let messages: AsyncStream<JSONValue>

    private init(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        messages: AsyncStream<JSONValue>
    ) {
        self.channel = channel
        self.writer = writer
        self.messages = messages
    }

    static func open(_ path: String) async throws -> IPCConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let (messages, continuation) = AsyncStream.makeStream(of: JSONValue.self)
        let (writerReady, writerContinuation) = AsyncStream.makeStream(of: NIOAsyncChannelOutboundWriter<ByteBuffer>.self)
        // The channel is read and written inside `executeThenClose`, which closes it when mpv does.
        Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    writerContinuation.yield(outbound)
                    writerContinuation.finish()
                    var pending: [UInt8] = []
                    for try await buffer in inbound {
                        pending += buffer.readableBytesView
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = String(decoding: pending[..<newline], as: UTF8.self)
                            pending.removeSubrange(...newline)
                            if let message = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)) { continuation.yield(message) }
                        }
                    }
                }
            } catch {
                // A broken socket ends the stream like a closed one.
            }
            writerContinuation.finish()
            continuation.finish()
        }
        var iterator = writerReady.makeAsyncIterator()
        guard let writer = await iterator.next() else { throw PlayerError.mpvUnreachable("the socket \(path) closed at once") }
        return IPCConnection(channel: channel, writer: writer, messages: messages)
    }

    func send(_ message: JSONValue) async throws {
        var line = try JSONEncoder().encode(message)
        line.append(0x0A)
        try await writer.write(ByteBuffer(bytes: line))
    }
}
