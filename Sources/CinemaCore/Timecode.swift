/// Formats seconds the way subtitles and people write them.
public enum Timecode {
    /// `01:02:03,456` (SubRip) or `01:02:03.456` (display, WebVTT).
    public static func format(_ seconds: Double, millisecondSeparator: Character = ".") -> String {
        let totalMilliseconds = Int((max(0, seconds) * 1000).rounded())
        let hours = totalMilliseconds / 3_600_000
        let minutes = totalMilliseconds / 60_000 % 60
        let secs = totalMilliseconds / 1000 % 60
        let millis = totalMilliseconds % 1000
        return "\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(secs, 2))\(millisecondSeparator)\(pad(millis, 3))"
    }

    /// `2:05` or `1:02:05`: a length or a moment as a person says it, to the second.
    public static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? "\(hours):\(pad(minutes, 2)):\(pad(secs, 2))" : "\(minutes):\(pad(secs, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
