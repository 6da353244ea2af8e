import CinemaHTTP
import HTTPTypes

extension APIError {
    static func unknownSession(_ id: String) -> APIError {
        APIError(.notFound, code: "unknown-session", "There is no session '\(id)'. List sessions with GET /api/sessions.")
    }
}
