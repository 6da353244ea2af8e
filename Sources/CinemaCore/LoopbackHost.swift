/// Host names that only this machine reaches: where a server needs no token, and a page may
/// call without being named.
public enum LoopbackHost {
    /// `localhost`, `127.x.x.x`, `::1` (bare or bracketed, as URLs write it); a name that only
    /// starts like one (`127.evil.example`) is not: DNS could send it anywhere.
    public static func contains(_ host: String) -> Bool {
        MachineAddresses.isLoopback(host)
    }
}
