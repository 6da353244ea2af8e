/// Host names that only this machine reaches: where a server needs no token, and a page may
/// call without being named.
public enum LoopbackHost {
    /// `localhost`, `127.x.x.x`, `::1` (bare or bracketed, as URLs write it).
    public static func contains(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
