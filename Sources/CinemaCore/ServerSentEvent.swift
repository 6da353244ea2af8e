import Foundation

/// One Server-Sent Event as a reader sees it: `event`, `id`, and its `data` lines joined.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// The data as JSON; `.null` when it is not JSON.
    public var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null }

    /// As it goes on the wire, what ``ServerSentEventParser`` reads back: `id` and `event` when
    /// set, a `data` line per line of data, and the blank line that ends the event.
    public var encoded: String {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }
}

/// Reads a Server-Sent Events stream as it arrives in pieces of any size: a piece may end in
/// the middle of a line, or of a character.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []
    private var id: String?
    private var event: String?
    private var data: [String] = []

    public init() {}

    /// The events completed by `bytes`.
    public mutating func parse(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        pending.append(contentsOf: bytes)
        var events: [ServerSentEvent] = []
        var lineStart = 0
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
                index += 1
                continue
            }
            // "\r\n" is one line end; a lone "\r" at the end of the piece may be the start of one.
            if byte == UInt8(ascii: "\r") && index + 1 == pending.count { break }
            let line = String(decoding: pending[lineStart..<index], as: UTF8.self)
            if byte == UInt8(ascii: "\r") && pending[index + 1] == UInt8(ascii: "\n") { index += 1 }
            index += 1
            lineStart = index
            if let complete = take(line) { events.append(complete) }
        }
        pending.removeFirst(lineStart)
        return events
    }

    /// One line: a field, a comment, or the blank line that completes an event.
    private mutating func take(_ line: String) -> ServerSentEvent? {
        if line.isEmpty {
            defer {
                event = nil
                data = []
            }
            guard !data.isEmpty || event != nil else { return nil }
            return ServerSentEvent(id: id, event: event, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let name: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            name = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            name = Substring(line)
            value = ""
        }
        switch name {
        case "id": id = String(value)
        case "event": event = String(value)
        case "data": data.append(String(value))
        default: break
        }
        return nil
    }
}
