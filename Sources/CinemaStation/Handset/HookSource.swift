/// Where the handset's hook switch is read: a key or button of a Linux input device (a USB
/// button, a keyboard key), or a GPIO line read with libgpiod's tools.
///
/// Written as `input:<device path>:<key>` (the key as a name such as `KEY_SPACE` or `BTN_0`, or
/// its number) or `gpio:<chip>:<line>`; either may end in `:inverted` when the switch is closed
/// while the handset rests.
public struct HookSource: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case input(path: String, code: UInt16)
        case gpio(chip: String, line: Int)
    }

    public var kind: Kind
    /// False: pressed (or high) means the handset is lifted; true: it means the handset rests.
    public var inverted: Bool

    /// Names of the keys a hook switch is usually wired as (linux/input-event-codes.h).
    static let keyCodes: [String: UInt16] = [
        "KEY_ENTER": 28, "KEY_SPACE": 57, "KEY_F1": 59, "KEY_F12": 88, "KEY_PLAYPAUSE": 164, "KEY_PHONE": 169,
        "BTN_0": 256, "BTN_1": 257, "BTN_LEFT": 272, "BTN_TRIGGER": 288, "BTN_SOUTH": 304,
    ]

    public init(_ text: String) throws(HookSourceError) {
        var parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        inverted = parts.last == "inverted"
        if inverted { parts.removeLast() }
        switch parts.first {
        case "input" where parts.count == 3:
            guard parts[1].hasPrefix("/"), !parts[1].contains("\0") else {
                throw .init(text, "the device should be an absolute path such as /dev/input/event3")
            }
            guard let code = UInt16(parts[2]) ?? Self.keyCodes[parts[2].uppercased()] else {
                throw .init(text, "'\(parts[2])' is not a key number or one of \(Self.keyCodes.keys.sorted().joined(separator: ", "))")
            }
            kind = .input(path: parts[1], code: code)
        case "gpio" where parts.count == 3:
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "/" }) else {
                throw .init(text, "the chip should be a name such as gpiochip0")
            }
            guard let line = Int(parts[2]), line >= 0 else { throw .init(text, "the line should be a number such as 17") }
            kind = .gpio(chip: parts[1], line: line)
        default:
            throw .init(
                text,
                "write it as input:/dev/input/eventN:KEY_NAME or gpio:gpiochip0:LINE, with :inverted at the end if the switch is closed while the handset rests"
            )
        }
    }

    public var description: String {
        let base: String
        switch kind {
        case .input(let path, let code): base = "input:\(path):\(Self.keyCodes.first { $0.value == code }?.key ?? String(code))"
        case .gpio(let chip, let line): base = "gpio:\(chip):\(line)"
        }
        return inverted ? base + ":inverted" : base
    }
}

public struct HookSourceError: Error, CustomStringConvertible, Equatable {
    public let text: String
    public let reason: String

    init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "The hook switch '\(text)' cannot be used: \(reason)." }
}
