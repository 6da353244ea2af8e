import HTTPTypes
import Hummingbird
import NIOCore

/// `/metrics` in the Prometheus text format.
struct MetricsController<Context: RequestContext>: Sendable {
    let metrics: BackendMetrics

    var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get("metrics", use: scrape)
        return routes
    }

    @Sendable func scrape(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition()))
        )
    }
}
