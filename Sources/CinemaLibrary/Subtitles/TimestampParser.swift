/// Reads subtitle timestamps the way real files write them, not only the way the specs do:
/// `01:02:03,456`, `01:02:03.456`, `02:03.456` (WebVTT without hours), `0:01:02.34` (ASS
/// centiseconds), short or long fractions, and stray spaces (`00: 07: 44.240`).
enum TimestampParser {
    /// Seconds, or `nil` when the text is not a timestamp (including minutes or seconds ≥ 60
    /// and negative times, which no player can seek to).
    static func seconds<S: StringProtocol>(_ text: S) -> Double? {
        var components: [Int] = []
        var current = 0
        var digits = 0
        var fraction = 0.0
        var fractionDigits = 0
        var inFraction = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits <= 9 {
                        fraction = fraction * 10 + Double(byte - UInt8(ascii: "0"))
                    }
                } else {
                    guard digits < 9 else { return nil }
                    current = current * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                }
            case UInt8(ascii: ":"):
                guard !inFraction, digits > 0 else { return nil }
                components.append(current)
                current = 0
                digits = 0
            case UInt8(ascii: ","), UInt8(ascii: "."):
                guard !inFraction, digits > 0 else { return nil }
                inFraction = true
            case UInt8(ascii: " "), 0x09, 0x0B, 0x0C:
                continue
            default:
                return nil
            }
        }
        if inFraction {
            guard fractionDigits > 0 else { return nil }
        } else {
            guard digits > 0 else { return nil }
        }
        if !inFraction && components.count == 3 {
            // `0:00:04:56`: a colon before the fraction, as some ASS writers do.
            fraction = Double(current)
            fractionDigits = digits
        } else {
            components.append(current)
        }
        guard components.count == 2 || components.count == 3 else { return nil }
        let seconds = components[components.count - 1]
        let minutes = components[components.count - 2]
        let hours = components.count == 3 ? components[0] : 0
        guard seconds < 60, minutes < 60 else { return nil }
        let whole = hours * 3600 + minutes * 60 + seconds
        // Whole milliseconds first, so that "2,345" is exactly the Double 2.345, not 2.3449999….
        if fractionDigits <= 3 {
            let milliseconds = Int(fraction) * [1000, 100, 10, 1][fractionDigits]
            return Double(whole * 1000 + milliseconds) / 1000
        }
        return Double(whole) + fraction / pow10(min(fractionDigits, 9))
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= 10 }
        return result
    }
}
