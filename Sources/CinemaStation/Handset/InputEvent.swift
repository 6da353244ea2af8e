/// One record of a Linux input device (`struct input_event` on a 64-bit machine: the time as
/// two 64-bit words, then type, code and value), as `/dev/input/event*` gives them.
public struct InputEvent: Equatable, Sendable {
    static let size = 24
    /// `EV_KEY`: a key or button changed; value 1 is down, 0 up, 2 the key repeating.
    public static let keyType: UInt16 = 1

    public var type: UInt16
    public var code: UInt16
    public var value: Int32

    public init(type: UInt16, code: UInt16, value: Int32) {
        self.type = type
        self.code = code
        self.value = value
    }

    /// A key or button (`KEY_SPACE` is 57) going down or up.
    public static func key(_ code: UInt16, down: Bool) -> InputEvent {
        InputEvent(type: keyType, code: code, value: down ? 1 : 0)
    }

    /// The records in `bytes`, and how many bytes at the end are the start of the next one.
    static func records(in bytes: [UInt8]) -> (events: [InputEvent], rest: Int) {
        var events: [InputEvent] = []
        var offset = 0
        while offset + size <= bytes.count {
            func word(_ at: Int, _ count: Int) -> UInt32 {
                (0..<count).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + at + $1]) << (8 * $1) }
            }
            events.append(InputEvent(type: UInt16(word(16, 2)), code: UInt16(word(18, 2)), value: Int32(bitPattern: word(20, 4))))
            offset += size
        }
        return (events, bytes.count - offset)
    }

    /// The record as the kernel writes it (the time left at zero): what a test or the soak
    /// benchmark feeds a reader.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes += withUnsafeBytes(of: type.littleEndian, Array.init)
        bytes += withUnsafeBytes(of: code.littleEndian, Array.init)
        bytes += withUnsafeBytes(of: value.littleEndian, Array.init)
        return bytes
    }
}
