import Foundation
public import Hummingbird
import NIOCore
import NIOFoundationCompat

extension Request {
    /// The body as `Value`, read up to `limit` bytes. An empty body reads as `{}` when
    /// `allowEmpty`, for endpoints whose fields are all optional.
    public mutating func decodeJSON<Value: Decodable>(as type: Value.Type, limit: Int, allowEmpty: Bool = false) async throws -> Value {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "too-large", "The request body is larger than the \(limit)-byte limit.")
        }
        var data = Data(buffer: buffer)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw APIError.badRequest("The request has no body; send a JSON object.", code: "missing-body") }
            data = Data("{}".utf8)
        }
        do {
            return try JSONDecoder().decode(Value.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error)
        }
    }

    /// A decoding failure as the field it is about and what was wrong.
    public static func describe(_ error: DecodingError) -> APIError {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            return keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path(context, key))
        case .valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return .missingField(path(context))
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            return .invalid(path(context), "should be \(Self.describe(type)).")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .invalid(path(context), "is not valid: \(context.debugDescription)")
        default:
            return .badRequest("The request body is not the JSON object this endpoint expects.", code: "malformed-json")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: "a \(type)"
        }
    }

    /// The bearer token of an `Authorization` header, if any.
    public var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
