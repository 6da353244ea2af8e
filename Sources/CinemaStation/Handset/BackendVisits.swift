import CinemaCore
import Foundation

/// What the handset asks of the backend: a session for this station when the visitor lifts it
/// (`POST /api/connect`), the end of it when they hang up (`POST /api/sessions/{id}/end`).
struct BackendVisits: Sendable {
    let backendURL: String
    let station: String
    let operatorToken: String?
    /// Seconds without a word after which the backend says goodbye to a visit this station
    /// starts (`idle_timeout`); nil leaves it to the backend's own setting.
    var idleTimeout: Double? = nil

    /// A new session, or (409) the identifier of the one the station already has.
    enum Opened: Sendable, Equatable {
        case new(identifier: String, roomURL: String, token: String)
        case alreadyLive(identifier: String)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func open() async throws(Failure) -> Opened {
        var body: [String: JSONValue] = ["station": .string(station)]
        if let idleTimeout { body["idle_timeout"] = .number(idleTimeout) }
        let (status, json) = try await post("/api/connect", body)
        if status == 409, let live = json["identifier"]?.stringValue { return .alreadyLive(identifier: live) }
        guard status == 200, let identifier = json["identifier"]?.stringValue, let room = json["room_url"]?.stringValue,
            let token = json["token"]?.stringValue
        else {
            throw Failure(
                description: "The backend at \(backendURL) did not start a session (\(status)): \(json["error"]?.stringValue ?? "no reason given")."
            )
        }
        return .new(identifier: identifier, roomURL: room, token: token)
    }

    /// Ends the session; one that has ended already is no failure.
    func end(_ identifier: String) async throws(Failure) {
        let (status, json) = try await post("/api/sessions/\(identifier)/end", [:])
        guard status == 200 || status == 404 || status == 409 else {
            throw Failure(
                description:
                    "The backend at \(backendURL) did not end session \(identifier) (\(status)): \(json["error"]?.stringValue ?? "no reason given")."
            )
        }
    }

    /// The station's live session, if it has one.
    func live() async throws(Failure) -> String? {
        let (status, json) = try await call(
            "/api/sessions",
            query: "?status=live&limit=1&station=\(station.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        )
        guard status == 200 else {
            throw Failure(
                description: "The backend at \(backendURL) did not list sessions (\(status)): \(json["error"]?.stringValue ?? "no reason given")."
            )
        }
        guard case .array(let sessions) = json["sessions"] else { return nil }
        return sessions.first?["identifier"]?.stringValue
    }

    private func post(_ path: String, _ body: [String: JSONValue]) async throws(Failure) -> (Int, JSONValue) {
        try await call(path, body: body)
    }

    private func call(_ path: String, query: String = "", body: [String: JSONValue]? = nil) async throws(Failure) -> (Int, JSONValue) {
        do {
            return try await BackendCall(base: backendURL, operatorToken: operatorToken).callAPI(path, query: query, body: body, limit: 1 << 20)
        } catch {
            switch error {
            case .unusableURL: throw Failure(description: "The backend URL '\(backendURL)' is not one the station can call.")
            case .unreachable(let reason):
                throw Failure(description: "The backend at \(backendURL) could not be reached (\(reason)); is cinema serve running there?")
            }
        }
    }
}
