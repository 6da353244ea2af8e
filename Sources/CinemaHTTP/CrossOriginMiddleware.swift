import CinemaCore
import Foundation
import HTTPTypes
public import Hummingbird

/// Lets a dashboard served from another origin (the station's, on another port or machine) call
/// this server from the browser: answers CORS preflights and marks responses to allowed origins.
/// Origins not allowed get no CORS headers, so the browser keeps their scripts out.
public struct CrossOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    public let policy: CrossOriginPolicy

    public init(policy: CrossOriginPolicy) {
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], policy.allows(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Content-Type, Authorization, Last-Event-ID"
            response.headers[.accessControlMaxAge] = "600"
            mark(&response, origin: origin)
            return response
        }
        do {
            var response = try await next(request, context)
            mark(&response, origin: origin)
            return response
        } catch let error as any HTTPResponseError {
            // Errors too must reach the page, or it can only say "network error".
            var response = try error.response(from: request, context: context)
            mark(&response, origin: origin)
            return response
        }
    }

    private func mark(_ response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
    }
}

/// Which web pages' origins may call a server from the browser.
public struct CrossOriginPolicy: Sendable {
    /// Any origin: for a server whose every action needs a token anyway.
    public var anyOrigin: Bool
    /// Exact origins (`http://tv-box.local:3000`) allowed beside those on loopback.
    public var origins: Set<String>

    public init(anyOrigin: Bool = false, origins: Set<String> = []) {
        self.anyOrigin = anyOrigin
        self.origins = Set(origins.map(Self.normalized))
    }

    public func allows(_ origin: String) -> Bool {
        anyOrigin || origins.contains(Self.normalized(origin)) || Self.isLoopback(origin)
    }

    /// `http://127.0.0.1:3000`, `http://localhost:3000`, `http://[::1]:3000`.
    public static func isLoopback(_ origin: String) -> Bool {
        guard let url = URL(string: origin), ["http", "https"].contains(url.scheme ?? ""), let host = url.host else { return false }
        return LoopbackHost.contains(host)
    }

    static func normalized(_ origin: String) -> String {
        var origin = origin.lowercased()
        while origin.hasSuffix("/") { origin.removeLast() }
        return origin
    }
}
