import Foundation
import NIOCore
import NIOHTTP1

/// The length of a connection's first request line, measured before the HTTP decoder sees it:
/// the decoder reports a line too long and headers too long as the same error, and the answer
/// differs (414 or 431).
final class RequestLineMeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Bytes of the first line so far.
    private(set) var length = 0
    /// Whether its line end has been seen.
    private(set) var complete = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !complete {
            let buffer = unwrapInboundIn(data)
            if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                length += newline - buffer.readerIndex
                complete = true
            } else {
                length += buffer.readableBytes
            }
        }
        context.fireChannelRead(data)
    }
}

/// Answers a request whose head the decoder refused (too long, or not HTTP), instead of leaving
/// the connection open with no answer (what the WebSocket-upgrading pipeline did): 414 for a
/// request line over the limit, 431 for headers over it, 400 for the rest; then closes.
///
/// Sits right after the decoder and lets everything else pass untouched: after a WebSocket
/// upgrade the same position carries frames.
final class RequestHeadLimitResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundOut = HTTPServerResponsePart

    let meter: RequestLineMeter
    let limits: ConnectionLimits
    /// A request has been decoded: its response may be on the wire, and is not to be cut into.
    private var answeredBefore = false
    /// This handler has answered and is closing the connection; more errors are its echo.
    private var refused = false

    init(meter: RequestLineMeter, limits: ConnectionLimits) {
        self.meter = meter
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answeredBefore = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if refused { return }
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // After a first request, the server's own handling answers 400 once its response is
        // out; two answers must not interleave.
        guard !answeredBefore else {
            context.fireErrorCaught(error)
            return
        }
        let (status, code, message): (HTTPResponseStatus, String, String)
        if parserError == .headerOverflow, !meter.complete || meter.length > limits.maxRequestLine {
            (status, code, message) = (
                .uriTooLong, "uri-too-long",
                "The request line is longer than \(limits.maxRequestLine / 1024) KiB. Send long values in a JSON body instead."
            )
        } else if parserError == .headerOverflow {
            (status, code, message) = (
                .requestHeaderFieldsTooLarge, "headers-too-large",
                "The request's headers are too large: one over \(limits.maxRequestLine / 1024) KiB, or all over \(limits.maxRequestHead / 1024) KiB. Send fewer or smaller headers."
            )
        } else {
            (status, code, message) = (.badRequest, "malformed-request", "The request is not valid HTTP/1.1 (\(parserError)).")
        }
        let body = (try? JSONEncoder().encode(["error": message, "code": code])) ?? Data()
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: "close")
        answeredBefore = true
        refused = true
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        // The rest of the oversized request may still be arriving. Closing at once would answer
        // it with a reset, which can destroy the answer before the client reads it; so the
        // answer is followed by the end of this side, and what the client still sends is read
        // and dropped for a moment (as web servers' "lingering close" does).
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) { context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client has read the answer and hung up: nothing left to linger for.
        if refused, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Closes a connection whose peer stops taking what is written to it: a write still pending
/// after the deadline, with none completed meanwhile, means the peer is frozen or gone. Without
/// it, a client that stops reading holds the writer (and a graceful stop) for ever.
///
/// Every write of every connection passes here, so it keeps one timer, armed when writes start
/// to wait and checked when it fires, rather than one set and cancelled per write.
final class WriteDeadlineHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    let deadline: TimeAmount
    private var pending = 0
    /// When a write last completed, or the wait began (by the event loop's clock).
    private var progress = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let promise = promise ?? context.eventLoop.makePromise()
        if pending == 0 { progress = context.eventLoop.now }
        pending += 1
        if timer == nil { arm(context, at: progress + deadline) }
        promise.futureResult.assumeIsolated().whenComplete { [self] _ in
            pending -= 1
            progress = context.eventLoop.now
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, at due: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            timer = nil
            guard pending > 0 else { return }
            let due = progress + deadline
            if due > context.eventLoop.now {
                arm(context, at: due)
            } else {
                context.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
    }
}

/// Tells when the peer has gone: it closed its side (an HTTP client that hangs up sends its
/// FIN; the server allows half-closed connections, so the socket would otherwise sit in
/// CLOSE_WAIT) or the connection closed. A response that streams for ever (an event feed)
/// ends on it at once instead of at its next write.
final class PeerWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let gone: EventLoopPromise<Void>
    private var told = false

    init(eventLoop: any EventLoop) {
        gone = eventLoop.makePromise()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { tell() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        tell()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tell()
    }

    private func tell() {
        guard !told else { return }
        told = true
        gone.succeed()
    }
}
