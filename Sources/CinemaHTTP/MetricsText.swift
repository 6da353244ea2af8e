import Foundation
public import HTTPTypes
public import Hummingbird
import NIOCore

/// A `/metrics` page in the Prometheus text format, written from a role's state when it is
/// scraped (the station and the player keep their counts where they already are).
public struct MetricsText: Sendable {
    private var lines: [String] = []
    private var described: Set<String> = []

    public init() {}

    public enum Kind: String, Sendable {
        case counter, gauge
    }

    /// One sample; `help` and the type are written once per name.
    public mutating func add(_ name: String, _ kind: Kind, help: String, labels: [(String, String)] = [], value: Double) {
        if described.insert(name).inserted {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(kind.rawValue)")
        }
        let labelText =
            labels.isEmpty
            ? ""
            : "{" + labels.map { "\($0.0)=\"\(Self.escaped($0.1))\"" }.joined(separator: ",") + "}"
        let number = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        lines.append("\(name)\(labelText) \(number)")
    }

    public var text: String { lines.joined(separator: "\n") + "\n" }

    public var response: Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
