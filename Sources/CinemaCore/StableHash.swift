/// FNV-1a over UTF-8: the same value for the same text in every process and on every machine,
/// unlike Swift's `Hasher`, which is seeded per process.
public enum StableHash {
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
