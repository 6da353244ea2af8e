import CinemaHTTP
import HTTPTypes

extension SessionRequestError {
    /// What an HTTP caller is told.
    var apiError: APIError {
        switch self {
        case .ended(let reason):
            APIError(.conflict, code: "session-ended", "The session has ended (\(reason)). Start a new one with POST /api/connect.")
        case .directorFailed(let message):
            APIError(.serviceUnavailable, code: "director-failed", "The director could not choose a clip: \(message)")
        case .unknownClip(let id):
            APIError(.notFound, code: "unknown-clip", "There is no clip \(id) in the library. Find clips with GET /api/search?q=….")
        case .shuttingDown:
            APIError(.serviceUnavailable, code: "shutting-down", "The backend is shutting down. Try again when it is back.")
        }
    }
}
