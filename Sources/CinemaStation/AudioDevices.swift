import Foundation
import Subprocess
import SystemPackage

/// The machine's capture devices, as `arecord -l` lists them.
public struct AudioDevice: Sendable, Equatable, Codable {
    /// What ALSA opens: `plughw:CARD,DEVICE` (the plug layer converts to the rate asked for).
    public var id: String
    public var name: String

    /// Reads `arecord -l`: `card 1: Device [USB Audio Device], device 0: USB Audio [USB Audio]`.
    public static func parse(_ listing: String) -> [AudioDevice] {
        listing.split(whereSeparator: \.isNewline).compactMap { line -> AudioDevice? in
            guard line.hasPrefix("card "), let comma = line.range(of: ", device ") else { return nil }
            let card = line.dropFirst(5).prefix { $0.isNumber }
            let device = line[comma.upperBound...].prefix { $0.isNumber }
            guard !card.isEmpty, !device.isEmpty else { return nil }
            let cardName = Self.bracketed(line[..<comma.lowerBound]) ?? String(card)
            let deviceName = Self.bracketed(line[comma.upperBound...]) ?? String(device)
            return AudioDevice(id: "plughw:\(card),\(device)", name: "\(cardName): \(deviceName)")
        }
    }

    private static func bracketed(_ text: Substring) -> String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// The capture devices now; none when arecord is missing or finds no sound card.
    public static func list(arecord: String = "/usr/bin/arecord") async -> [AudioDevice] {
        guard FileManager.default.isExecutableFile(atPath: arecord) else { return [] }
        let result = try? await Subprocess.run(.path(FilePath(arecord)), arguments: ["-l"], output: .string(limit: 1 << 16), error: .discarded)
        return parse(result?.standardOutput ?? "")
    }
}
