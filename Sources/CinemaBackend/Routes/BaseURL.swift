import CinemaCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Where clients reach this backend, for the room and media URLs handed out: the configured
/// public URL, else the host the request was sent to, else the listening address.
enum BaseURL {
    static func http(for request: Request, configuration: BackendConfiguration) -> String {
        if let configured = configuration.publicURL {
            return ServiceAddress.base(configured)
        }
        if let authority = request.head.authority, isPlainAuthority(authority) {
            return "http://" + authority
        }
        let host = ServiceAddress.isWildcard(configuration.host) ? "127.0.0.1" : configuration.host
        return ServiceAddress.http(host: host, port: configuration.port)
    }

    /// A Host header is the client's to write: only host names, addresses and ports go into
    /// URLs given to others.
    static func isPlainAuthority(_ authority: String) -> Bool {
        !authority.isEmpty && authority.count <= 255
            && authority.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-:[]".unicodeScalars.contains(scalar))
            }
    }
}
