import CinemaCore
import Dispatch
import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Reads the hook switch's raw state, without debouncing: the state at once when the device can
/// tell it, then every change, until the device goes away (an error) or the task is cancelled.
protocol HookLineReader: Sendable {
    func readings(_ lifted: @escaping @Sendable (Bool) -> Void) async throws(HookReadError)
}

public enum HookReadError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(String, reason: String)
    case gone(String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let what, let reason):
            "The hook switch \(what) cannot be read: \(reason). Check the device path or GPIO line (ls /dev/input/by-id, gpioinfo) and that the station's user may read it (the input or gpio group)."
        case .gone(let what, let reason):
            "The hook switch \(what) went away: \(reason). It is read again once it is back."
        }
    }
}

extension HookSource {
    var reader: any HookLineReader {
        switch kind {
        case .input(let path, let code): InputDeviceReader(path: path, code: code, inverted: inverted)
        case .gpio(let chip, let line): GPIOLineReader(chip: chip, line: line, inverted: inverted)
        }
    }
}

/// A key or button of a Linux input device (`/dev/input/event*`), or a file or FIFO of the same
/// records (what the tests feed it).
struct InputDeviceReader: HookLineReader {
    let path: String
    let code: UInt16
    let inverted: Bool

    func readings(_ lifted: @escaping @Sendable (Bool) -> Void) async throws(HookReadError) {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path, reason: String(cString: strerror(errno))) }
        if let pressed = Self.keyState(descriptor, code: code) { lifted(pressed != inverted) }
        let pending = PendingBytes()
        let (code, inverted) = (code, inverted)
        let ending = await DescriptorReading.read(descriptor) { bytes in
            for event in pending.take(bytes, records: InputEvent.records) where event.type == InputEvent.keyType && event.code == code {
                lifted((event.value != 0) != inverted)
            }
        }
        if let ending { throw .gone(path, reason: ending) }
    }

    /// Whether the key is down now (`EVIOCGKEY`); nil for what is not an input device.
    static func keyState(_ descriptor: Int32, code: UInt16) -> Bool? {
        var bits = [UInt8](repeating: 0, count: 96)
        // _IOC(_IOC_READ, 'E', 0x18, 96)
        let request = UInt(2) << 30 | UInt(bits.count) << 16 | UInt(0x45) << 8 | 0x18
        guard ioctl(descriptor, request, &bits) >= 0, Int(code) / 8 < bits.count else { return nil }
        return bits[Int(code) / 8] & (1 << (code % 8)) != 0
    }
}

/// A GPIO line, read with libgpiod's `gpioget` (the state now) and `gpiomon` (each edge).
struct GPIOLineReader: HookLineReader {
    let chip: String
    let line: Int
    let inverted: Bool

    func readings(_ lifted: @escaping @Sendable (Bool) -> Void) async throws(HookReadError) {
        let name = "gpio \(chip) line \(line)"
        let now = try await Self.run("gpioget", [chip, String(line)], for: name)
        if let value = Int(now.trimmingCharacters(in: .whitespacesAndNewlines)) { lifted((value != 0) != inverted) }
        let monitor = Process()
        monitor.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        monitor.arguments = ["gpiomon", "--format=%e", chip, String(line)]
        let output = Pipe()
        monitor.standardOutput = output
        monitor.standardError = FileHandle.nullDevice
        do {
            try monitor.run()
        } catch {
            throw .cannotOpen(name, reason: "gpiomon did not start (\(error)); install Debian's gpiod package")
        }
        let inverted = inverted
        let pending = PendingBytes()
        let ending = await withTaskCancellationHandler {
            await DescriptorReading.read(output.fileHandleForReading.fileDescriptor, closing: false) { bytes in
                // %e: 1 rising, 0 falling.
                for text in pending.take(bytes, records: Self.lines) {
                    if let value = Int(text) { lifted((value != 0) != inverted) }
                }
            }
        } onCancel: {
            monitor.terminate()
        }
        if monitor.isRunning { monitor.terminate() }
        if let ending, !Task.isCancelled { throw .gone(name, reason: "gpiomon stopped (\(ending))") }
    }

    static func lines(in bytes: [UInt8]) -> (events: [String], rest: Int) {
        guard let last = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return ([], bytes.count) }
        let text = String(decoding: bytes[...last], as: UTF8.self)
        return (text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }, bytes.count - last - 1)
    }

    private static func run(_ tool: String, _ arguments: [String], for name: String) async throws(HookReadError) -> String {
        // Through env, whose status 127 says the tool is missing; awaited, not waited for on a
        // cooperative thread.
        let result: (status: Int32, output: String, errors: String)
        do {
            let run = try await Subprocess.run(
                .path(FilePath("/usr/bin/env")),
                arguments: Arguments([tool] + arguments),
                output: .string(limit: 1 << 16),
                error: .string(limit: 1 << 16)
            )
            result = (run.terminationStatus.shellStatus, run.standardOutput, run.standardError)
        } catch {
            throw .cannotOpen(name, reason: "\(tool) did not start (\(error))")
        }
        let said = result.errors.trimmingCharacters(in: .whitespacesAndNewlines)
        switch result.status {
        case 0: return result.output
        case 127: throw .cannotOpen(name, reason: "\(tool) is not installed (Debian's gpiod package: apt-get install gpiod)")
        default: throw .cannotOpen(name, reason: "\(tool) failed (\(result.status))\(said.isEmpty ? "" : ": " + said)")
        }
    }
}

/// Reads a descriptor as bytes arrive, off the cooperative pool, until its end, an error or
/// cancellation; returns why it ended (nil when cancelled).
enum DescriptorReading {
    static func read(_ descriptor: Int32, closing: Bool = true, _ bytes: @escaping @Sendable (ArraySlice<UInt8>) -> Void) async -> String? {
        if closing == false { _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) }
        nonisolated(unsafe) let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: DispatchQueue(label: "cinema.hook-switch"))
        let ending = Mutex<String?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                source.setEventHandler {
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = Glibc.read(descriptor, &chunk, chunk.count)
                    if count > 0 {
                        bytes(chunk[0..<count])
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        let reason = count == 0 ? "its end was reached" : String(cString: strerror(errno))
                        ending.withLock { $0 = $0 ?? reason }
                        source.cancel()
                    }
                }
                source.setCancelHandler {
                    if closing { close(descriptor) }
                    continuation.resume()
                }
                source.resume()
            }
        } onCancel: {
            source.cancel()
        }
        return ending.withLock { $0 }
    }
}

/// Bytes kept between reads: a record or a line may arrive in two.
final class PendingBytes: Sendable {
    private let pending = Mutex<[UInt8]>([])

    func take<Record>(_ bytes: ArraySlice<UInt8>, records: ([UInt8]) -> (events: [Record], rest: Int)) -> [Record] {
        pending.withLock { pending in
            pending += bytes
            let (found, rest) = records(pending)
            pending = Array(pending.suffix(rest))
            return found
        }
    }
}
