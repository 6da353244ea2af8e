public import CinemaCore
import HTTPTypes
public import Hummingbird
import NIOCore

/// A Server-Sent Events response that lives as long as its reader: the backend's session feed,
/// the station's clients, the player's events all stream this way.
///
/// What the producer sends is written as it comes. The stream ends when the producer returns,
/// and at once when the reader hangs up (its producer is then cancelled): a feed never waits for
/// its next event to notice. A comment goes out when nothing else has for `heartbeat`, so that
/// a reader gone without a word (a machine switched off) is found by the write deadline of its
/// connection, and proxies keep the stream open.
public enum EventStream {
    public static let heartbeat: Duration = .seconds(15)

    /// Where a producer sends its events.
    public struct Sink: Sendable {
        let continuation: AsyncStream<ByteBuffer>.Continuation

        public func send(_ event: ServerSentEvent) {
            continuation.yield(event.buffer)
        }
    }

    /// The response. `produce` runs for as long as the stream does; `finished` runs after it,
    /// however the stream ended (to let go of a subscription).
    public static func response(
        heartbeat: Duration = Self.heartbeat,
        produce: @escaping @Sendable (Sink) async -> Void,
        finished: @escaping @Sendable () async -> Void = {}
    ) -> Response {
        let connection = ClientConnection.current
        let body = ResponseBody { writer in
            let (events, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await produce(Sink(continuation: continuation))
                    continuation.finish()
                }
                if let connection {
                    group.addTask {
                        await connection.gone()
                        continuation.finish()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        continuation.yield(Self.comment)
                    }
                }
                do {
                    for await buffer in events { try await writer.write(buffer) }
                    try await writer.finish(nil)
                } catch {
                    // The reader is gone; nobody is left to tell.
                    connection?.close()
                }
                continuation.finish()
                group.cancelAll()
            }
            await finished()
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body
        )
    }

    /// A comment line: readers ignore it.
    static let comment = ByteBuffer(string: ":\n\n")
}
