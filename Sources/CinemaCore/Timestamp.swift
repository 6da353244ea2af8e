import Foundation

/// Wall-clock times on the wire and in event logs: ISO 8601 in UTC with milliseconds.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func string(_ date: Date) -> String {
        style.format(date)
    }

    public static func date(_ string: String) -> Date? {
        try? style.parse(string)
    }
}
