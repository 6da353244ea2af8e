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
}
