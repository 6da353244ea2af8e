/// 16-bit PCM audio in a RIFF/WAVE container: what espeak-ng writes, what the speech tests
/// read, and the room protocol's sample format.
public struct WAVFile: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Interleaved signed 16-bit samples.
    public var samples: [Int16]

    public init(sampleRate: Int, channels: Int = 1, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate * channels) }

    /// Reads a WAVE file; only 16-bit integer PCM is accepted.
    public init(bytes: [UInt8]) throws(WAVError) {
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw .notWAV
        }
        var offset = 12
        var format: (audioFormat: Int, channels: Int, sampleRate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
            // Streaming writers (espeak-ng to a pipe, ffmpeg) may leave the size at its maximum.
            let declared = Int(Self.uint32(bytes, at: offset + 4))
            let body = offset + 8
            let size = min(declared, bytes.count - body)
            if id == "fmt " && size >= 16 {
                format = (
                    Int(Self.uint16(bytes, at: body)), Int(Self.uint16(bytes, at: body + 2)), Int(Self.uint32(bytes, at: body + 4)),
                    Int(Self.uint16(bytes, at: body + 14))
                )
            } else if id == "data" {
                guard let format else { throw .malformed("the data chunk comes before the fmt chunk") }
                guard format.audioFormat == 1 || format.audioFormat == 0xFFFE, format.bits == 16 else {
                    throw .unsupported("\(format.bits)-bit audio in format \(format.audioFormat); 16-bit PCM is required")
                }
                guard format.channels > 0, format.sampleRate > 0 else { throw .malformed("zero channels or sample rate") }
                var samples = [Int16](repeating: 0, count: size / 2)
                for index in samples.indices {
                    samples[index] = Int16(bitPattern: Self.uint16(bytes, at: body + 2 * index))
                }
                self.init(sampleRate: format.sampleRate, channels: format.channels, samples: samples)
                return
            }
            offset = body + size + (size & 1)
        }
        throw .malformed("no data chunk")
    }

    /// The file's bytes, ready to write.
    public var bytes: [UInt8] {
        let dataSize = samples.count * 2
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + dataSize)
        bytes += Array("RIFF".utf8) + Self.le32(36 + dataSize) + Array("WAVEfmt ".utf8) + Self.le32(16)
        bytes += Self.le16(1) + Self.le16(channels) + Self.le32(sampleRate) + Self.le32(sampleRate * channels * 2)
        bytes += Self.le16(channels * 2) + Self.le16(16) + Array("data".utf8) + Self.le32(dataSize)
        for sample in samples {
            let value = UInt16(bitPattern: sample)
            bytes.append(UInt8(value & 0xFF))
            bytes.append(UInt8(value >> 8))
        }
        return bytes
    }

    /// The sample range that is louder than `threshold`, i.e. where the sound is; `nil` if silent.
    public func audibleRange(threshold: Int16 = 400) -> Range<Int>? {
        guard let first = samples.firstIndex(where: { abs(Int($0)) > threshold }),
            let last = samples.lastIndex(where: { abs(Int($0)) > threshold })
        else { return nil }
        return first..<(last + 1)
    }

    private static func uint16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    private static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    private static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
}

public enum WAVError: Error, CustomStringConvertible, Equatable {
    case notWAV
    case malformed(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .notWAV: "not a WAVE file (no RIFF/WAVE header)"
        case .malformed(let detail): "damaged WAVE file: \(detail)"
        case .unsupported(let detail): "unsupported WAVE file: \(detail)"
        }
    }
}
