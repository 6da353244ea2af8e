/// Substring search over UTF-8 bytes. The standard library's `contains(_:)` and
/// `firstRange(of:)` on strings build a search table per call, which made them most of the cost
/// of parsing a film; the needles here are short, so a plain scan is far cheaper.
enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `haystack`, or `nil`.
    static func firstOffset(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var offset = 0
        let last = haystack.count - needle.count
        while offset <= last {
            if haystack[offset] == first {
                var matched = 1
                while matched < needle.count && haystack[offset + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return offset }
            }
            offset += 1
        }
        return nil
    }

    /// The range of the first occurrence of the ASCII `needle` in `text`.
    static func firstRange(of needle: [UInt8], in text: Substring) -> Range<Substring.Index>? {
        var contiguous = text
        let offset = contiguous.withUTF8 { bytes in firstOffset(of: needle, in: bytes) }
        return offset.map { offset in
            let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
            return start..<text.utf8.index(start, offsetBy: needle.count)
        }
    }
}
