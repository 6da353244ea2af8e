public import Hummingbird
public import HummingbirdWebSocket

/// The request context of every backend route, rooms included.
public struct BackendRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
    }

    /// PROTOCOL.md: bodies over 1 MiB are refused with 413.
    public var maxUploadSize: Int { 1 << 20 }
}
