import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import NIOCore

/// Every error the HTTP APIs (backend, player, station) return: `{"error": "<for a person>", "code": "<for a
/// program>"}` with a fitting status.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// Extra fields some errors carry (the live session's identifier on a 409).
    public var details: [String: String]
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = details
        fields["error"] = message
        fields["code"] = code
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(fields)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    public static func badRequest(_ message: String, code: String = "bad-request") -> APIError {
        APIError(.badRequest, code: code, message)
    }

    public static func missingField(_ field: String) -> APIError {
        APIError(.badRequest, code: "missing-field", "The request has no '\(field)'; it is required.", details: ["field": field])
    }

    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid-value", "'\(field)' \(message)", details: ["field": field])
    }

    public static func notFound(_ message: String, code: String = "not-found") -> APIError {
        APIError(.notFound, code: code, message)
    }
}

/// Turns every error a route throws into an `APIError`, so that a client never has to parse two
/// error shapes: Hummingbird's own (unknown route, body too large), decoding errors, and
/// anything unexpected (logged, and reported without internals).
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Who answers, for the messages: "backend", "player".
    public let service: String

    public init(service: String) {
        self.service = service
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw Self.translate(error.status, message: error.body, request: request)
        } catch let error as any HTTPResponseError {
            throw Self.translate(error.status, message: nil, request: request)
        } catch is CancellationError {
            throw APIError(.serviceUnavailable, code: "shutting-down", "The \(service) is shutting down. Try again when it is back.")
        } catch {
            context.logger.error("Request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(
                .internalServerError,
                code: "internal",
                "The \(service) failed to handle \(request.method) \(request.uri.path): \(error). See its log."
            )
        }
    }

    static func translate(_ status: HTTPResponse.Status, message: String?, request: Request) -> APIError {
        switch status {
        case .notFound:
            return APIError(
                .notFound,
                code: "not-found",
                message ?? "There is no \(request.method) \(request.uri.path). See PROTOCOL.md for the API."
            )
        case .contentTooLarge:
            return APIError(.contentTooLarge, code: "too-large", "The request body is larger than the 1 MiB limit.")
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, code: "method-not-allowed", "\(request.uri.path) does not accept \(request.method).")
        default:
            return APIError(status, code: "http-\(status.code)", message ?? status.reasonPhrase)
        }
    }
}
