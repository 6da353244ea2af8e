/// Turns the bytes of a subtitle file into text, whatever encoding the uploader used.
///
/// Order of trust: a byte-order mark, then UTF-16 recognised by its zero bytes, then valid UTF-8,
/// then Windows-1252 (which decodes any byte, so it is the last resort for old European files).
public enum SubtitleTextDecoder {
    public enum Encoding: String, Sendable, Equatable {
        case utf8, utf8WithBOM, utf16LittleEndian, utf16BigEndian, utf32LittleEndian, utf32BigEndian, windows1252
    }

    public struct Decoded: Sendable {
        public var text: String
        public var encoding: Encoding
    }

    public static func decode(_ bytes: [UInt8]) -> Decoded {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return Decoded(text: String(decoding: bytes.dropFirst(3), as: UTF8.self), encoding: .utf8WithBOM)
        }
        // UTF-32's marks first: the little-endian one begins like UTF-16's.
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) {
            return Decoded(text: utf32(bytes.dropFirst(4), littleEndian: true), encoding: .utf32LittleEndian)
        }
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            return Decoded(text: utf32(bytes.dropFirst(4), littleEndian: false), encoding: .utf32BigEndian)
        }
        if bytes.starts(with: [0xFF, 0xFE]) {
            return Decoded(text: utf16(bytes.dropFirst(2), littleEndian: true), encoding: .utf16LittleEndian)
        }
        if bytes.starts(with: [0xFE, 0xFF]) {
            return Decoded(text: utf16(bytes.dropFirst(2), littleEndian: false), encoding: .utf16BigEndian)
        }
        // Before the UTF-8 check: NUL is valid UTF-8, so UTF-16 Latin text would pass it.
        if let littleEndian = looksLikeBOMlessUTF16(bytes) {
            return Decoded(
                text: utf16(bytes[...], littleEndian: littleEndian),
                encoding: littleEndian ? .utf16LittleEndian : .utf16BigEndian
            )
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return Decoded(text: text, encoding: .utf8)
        }
        return Decoded(text: windows1252(bytes), encoding: .windows1252)
    }

    /// Text files in UTF-16 without a BOM have a zero byte in nearly every other position
    /// (for Latin text); returns whether that is the odd (little-endian) or even position.
    static func looksLikeBOMlessUTF16(_ bytes: [UInt8]) -> Bool? {
        let sample = bytes.prefix(4096)
        guard sample.count >= 16 else { return nil }
        var zerosAtEven = 0
        var zerosAtOdd = 0
        for (offset, byte) in sample.enumerated() where byte == 0 {
            if offset % 2 == 0 { zerosAtEven += 1 } else { zerosAtOdd += 1 }
        }
        let pairs = sample.count / 2
        if zerosAtOdd > pairs * 6 / 10 && zerosAtEven < pairs / 10 { return true }
        if zerosAtEven > pairs * 6 / 10 && zerosAtOdd < pairs / 10 { return false }
        return nil
    }

    static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let first = UInt16(bytes[index])
            let second = UInt16(bytes[index + 1])
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    static func utf32(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> String {
        var scalars = String.UnicodeScalarView()
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            let word = bytes[index..<(index + 4)].enumerated().reduce(UInt32(0)) { value, pair in
                value | UInt32(pair.element) << (littleEndian ? 8 * pair.offset : 8 * (3 - pair.offset))
            }
            scalars.append(Unicode.Scalar(word) ?? "\u{FFFD}")
            index += 4
        }
        return String(scalars)
    }

    static func windows1252(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            if byte >= 0x80 && byte < 0xA0 {
                scalars.append(Unicode.Scalar(cp1252High[Int(byte - 0x80)]) ?? "\u{FFFD}")
            } else {
                scalars.append(Unicode.Scalar(byte))
            }
        }
        return String(scalars)
    }

    /// Windows-1252's 0x80–0x9F; the five bytes it leaves undefined decode as their Latin-1 controls.
    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
