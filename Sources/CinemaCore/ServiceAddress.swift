public import Foundation

/// How the services' addresses are written: the backend, the station, the player, and the model
/// and speech servers they call.
public enum ServiceAddress {
    /// `http://host:port`, with an IPv6 host in brackets as URLs need it.
    public static func http(host: String, port: Int) -> String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(bracketed):\(port)"
    }

    /// Whether `host` means every interface (`0.0.0.0`, `::`), which no client can connect to.
    public static func isWildcard(_ host: String) -> Bool {
        host == "0.0.0.0" || host == "::" || host == "[::]"
    }

    /// A base URL as a setting gives it, without its trailing slash, so that a path starting
    /// with `/` can be appended.
    public static func base(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// A backend's rooms' base: `http(s)://host:port` → `ws(s)://host:port`.
    public static func webSocket(_ httpURL: String) -> String {
        let lowered = httpURL.lowercased()
        if lowered.hasPrefix("https://") { return "wss://" + httpURL.dropFirst("https://".count) }
        if lowered.hasPrefix("http://") { return "ws://" + httpURL.dropFirst("http://".count) }
        return httpURL
    }

    /// The backend a room's (or any) URL names: `ws://host:port/rooms/ID` → `http://host:port`,
    /// `wss` and `https` → `https`.
    public static func httpBase(of url: URL) -> URL {
        var parts = URLComponents()
        parts.scheme = ["wss", "https"].contains(url.scheme?.lowercased() ?? "") ? "https" : "http"
        parts.host = url.host
        parts.port = url.port
        return parts.url ?? url
    }
}
