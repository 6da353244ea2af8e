public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// What every connection to our services is held to, whatever its peer does.
public struct ConnectionLimits: Sendable {
    /// A request line (method, path and query) longer than this gets 414.
    public var maxRequestLine = 16 << 10
    /// Request headers larger than this, all told, get 431.
    public var maxRequestHead = 32 << 10
    /// A write that the peer has not taken after this long closes the connection.
    public var writeDeadline: Duration = .seconds(30)
    /// Once the service is stopping, connections still open after this long are closed, so that
    /// a peer that never answers cannot hold the process.
    public var shutdownGrace: Duration = .seconds(2)

    public init() {}

    /// The HTTP decoder's own limits, set to these: a header (or the request line, which the
    /// decoder counts as one) over the line limit, or all of them over the head limit.
    public var decoder: HTTP1Channel.Configuration.DecoderConfiguration {
        .init(maxHeaderFieldSize: maxRequestLine, maxHeaderListSize: maxRequestHead, maxHeaderFieldCount: 200)
    }
}

/// A server child channel (HTTP/1, with or without WebSocket upgrade) with ``ConnectionLimits``
/// enforced on each connection, and ``ClientConnection/current`` set while it is handled.
public struct GuardedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Inner.Value

    public let inner: Inner
    public let limits: ConnectionLimits

    public init(_ inner: Inner, limits: ConnectionLimits) {
        self.inner = inner
        self.limits = limits
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = limits
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(WriteDeadlineHandler(deadline: .init(limits.writeDeadline)), position: .first)
            try pipeline.addHandler(PeerWatcher(eventLoop: channel.eventLoop), position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let meter = RequestLineMeter()
            try pipeline.addHandler(meter, position: .before(decoder))
            try pipeline.addHandler(RequestHeadLimitResponder(meter: meter, limits: limits), position: .after(decoder))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        let limits = limits
        await withGracefulShutdownHandler {
            await ClientConnection.$current.withValue(ClientConnection(channel: channel)) {
                await inner.handle(value: value, logger: logger)
            }
        } onGracefulShutdown: {
            ClientConnection(channel: channel).close(after: limits.shutdownGrace)
        }
    }
}

extension HTTPServerBuilder {
    /// A server whose connections are built by `build` and held to `limits`.
    public static func guarded<Inner: ServerChildChannel>(
        _ limits: ConnectionLimits = .init(),
        _ build: @escaping @Sendable (@escaping HTTPChannelHandler.Responder) throws -> Inner
    ) -> HTTPServerBuilder {
        .init { responder in GuardedChannel(try build(responder), limits: limits) }
    }

    /// Plain HTTP/1.1, held to `limits`.
    public static func guardedHTTP1(_ limits: ConnectionLimits = .init()) -> HTTPServerBuilder {
        guarded(limits) { responder in HTTP1Channel(responder: responder, configuration: .init(httpDecoderConfiguration: limits.decoder)) }
    }
}

/// The connection a request or a WebSocket arrived on, for handlers that outlive a plain answer
/// (event feeds): whether its peer has gone, and a way to drop it.
public struct ClientConnection: Sendable {
    /// Set by ``GuardedChannel`` for as long as a connection is handled.
    @TaskLocal public static var current: ClientConnection?

    let channel: any Channel

    /// Returns once the peer has hung up or the connection closed, or when the task is
    /// cancelled.
    public func gone() async {
        let channel = channel
        let gone = channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
            guard let watcher = try? channel.pipeline.syncOperations.handler(type: PeerWatcher.self) else { return channel.closeFuture }
            return watcher.gone.futureResult
        }
        // A stream, not the future's get(): waiting on it ends when the task is cancelled.
        let (signal, continuation) = AsyncStream.makeStream(of: Void.self)
        gone.whenComplete { _ in continuation.finish() }
        for await _ in signal {}
    }

    /// Closes the connection: whatever writes to it or waits on it is released.
    public func close() {
        channel.close(promise: nil)
    }

    /// Closes the connection after `delay` unless it has closed by then; returns at once.
    public func close(after delay: Duration) {
        let channel = channel
        channel.eventLoop.scheduleTask(in: TimeAmount(delay)) { channel.close(promise: nil) }
    }
}
