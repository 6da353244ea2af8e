import CinemaCore
import Foundation

/// The room a client is started for, as the station accepts it: a session of the backend the
/// station was configured with, however the dashboard named that backend. The client is given
/// the configured backend and a room URL built from it, never the host the request named, so
/// that nobody who can reach the station can send the TV into a room of their own.
struct SessionRoom: Sendable, Equatable {
    /// The session, from the room URL's `/rooms/{id}`.
    var identifier: String
    /// `ws(s)://` the configured backend `/rooms/{id}`.
    var roomURL: String
    /// The station's own backend.
    var backendURL: String
    var token: String

    /// Checks what the dashboard sent against `backend`, the station's backend.
    init(_ launch: ClientSupervisor.Launch, backend: String) throws(StationError) {
        guard let configured = URL(string: backend), configured.host != nil else {
            throw .spawn("the station's own backend URL '\(backend)' has no host; start it with --backend-url http://HOST:PORT")
        }
        guard let room = URL(string: launch.roomURL), room.host != nil, ["ws", "wss", "http", "https"].contains(room.scheme?.lowercased() ?? "")
        else {
            throw .spawn("'roomUrl' must be a ws(s):// URL with a host, as POST /api/connect returns it, not '\(launch.roomURL)'")
        }
        let path = room.pathComponents
        guard path.count >= 3, path[path.count - 2] == "rooms", let identifier = path.last, Self.isIdentifier(identifier) else {
            throw .spawn("'roomUrl' must end in /rooms/ID, as POST /api/connect returns it, not '\(launch.roomURL)'")
        }
        if let given = launch.identifier, given != identifier {
            throw .spawn(
                "'identifier' (\(given)) is not the session of 'roomUrl', which is \(identifier); send the two that POST /api/connect returned together"
            )
        }
        guard MachineAddresses.sameServer(room, configured) else {
            throw .wrongBackend(given: ServiceAddress.httpBase(of: room).absoluteString, configured: backend)
        }
        guard let named = URL(string: launch.backendURL), named.host != nil, ["http", "https"].contains(named.scheme?.lowercased() ?? "") else {
            throw .spawn("'backendUrl' must be an http(s):// URL with a host, not '\(launch.backendURL)'")
        }
        guard MachineAddresses.sameServer(named, configured) else {
            throw .wrongBackend(given: ServiceAddress.httpBase(of: named).absoluteString, configured: backend)
        }
        guard !launch.token.isEmpty, launch.token.count < 4096, !launch.token.contains(where: \.isNewline) else {
            throw .spawn("'token' must be the room token /api/connect returned")
        }
        self.identifier = identifier
        self.backendURL = ServiceAddress.base(backend)
        roomURL = ServiceAddress.webSocket(backendURL) + "/rooms/" + identifier
        token = launch.token
    }

    /// Session identifiers are the backend's: letters, digits, `-` and `_`. Nothing else goes
    /// into the URLs, paths and file names made from one.
    static func isIdentifier(_ text: String) -> Bool {
        (1...128).contains(text.count) && text.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }
    }
}
