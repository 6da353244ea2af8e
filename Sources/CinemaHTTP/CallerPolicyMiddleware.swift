import Foundation
import HTTPTypes
public import Hummingbird

/// Applies a ``CallerPolicy`` to every request, first of all middleware: refuses requests
/// addressed to a name that is not the service's own, calls that change anything from pages
/// of other origins or with bodies that are not JSON, and answers CORS for the origins allowed
/// (preflights, and the headers that let the page read an answer, errors included).
public struct CallerPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    public let policy: CallerPolicy

    public init(policy: CallerPolicy) {
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority
        if let authority, !policy.allowsHost(authority) {
            throw APIError(
                .forbidden,
                code: "host-not-allowed",
                "The \(policy.service) does not answer to the name '\(authority)', so that a web page cannot reach it by pointing its own name at this machine. Use its address (such as http://127.0.0.1), or, if the name is yours, add it to CINEMA_ALLOWED_HOSTS."
            )
        }
        let origin = request.headers[.origin]
        let allowed = origin.map { policy.allowsOrigin($0, authority: authority) } ?? false
        if let origin, request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else { throw refusal(origin: origin) }
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Content-Type, Authorization, Last-Event-ID"
            response.headers[.accessControlMaxAge] = "600"
            Self.mark(&response, origin: origin)
            return response
        }
        do {
            if Self.acts(request) {
                if let origin, !allowed { throw refusal(origin: origin) }
                try Self.requireJSON(request)
            }
            var response = try await next(request, context)
            if let origin, allowed { Self.mark(&response, origin: origin) }
            return response
        } catch let error as any HTTPResponseError {
            guard let origin, allowed else { throw error }
            // Errors too must reach the page, or it can only say "network error".
            var response = try error.response(from: request, context: context)
            Self.mark(&response, origin: origin)
            return response
        }
    }

    /// Whether the request can change anything: every method but the safe ones, and a
    /// WebSocket upgrade (a room acts, and browsers do not hold sockets to the same-origin rule).
    static func acts(_ request: Request) -> Bool {
        switch request.method {
        case .get, .head, .options: request.headers[.upgrade]?.lowercased() == "websocket"
        default: true
        }
    }

    /// A body must be declared JSON: the content types a page may send across sites without a
    /// preflight (`text/plain`, forms) are refused, even when what they carry parses as JSON.
    static func requireJSON(_ request: Request) throws {
        let length = request.headers[.contentLength].flatMap { Int($0) }
        let hasBody = (length ?? 0) > 0 || request.headers[.transferEncoding] != nil
        guard hasBody else { return }
        let type = request.headers[.contentType] ?? ""
        let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" || media.hasSuffix("+json") else {
            throw APIError(
                .unsupportedMediaType,
                code: "json-required",
                "The body must be JSON sent with Content-Type: application/json (with curl: -H 'Content-Type: application/json'), not \(type.isEmpty ? "no content type" : "'\(type)'"): web pages on other sites can send the other kinds without asking."
            )
        }
    }

    private func refusal(origin: String) -> APIError {
        let remedy =
            policy.originsSetting.map { "If it is your dashboard, add its origin to \($0)." } ?? "Only the \(policy.service)'s own pages may."
        return APIError(.forbidden, code: "origin-not-allowed", "Pages from \(origin) may not act on the \(policy.service). \(remedy)")
    }

    private static func mark(_ response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
    }
}
