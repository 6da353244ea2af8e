import Foundation

/// Lines typed on standard input, as an async sequence.
///
/// Reading a terminal blocks, so it happens on a thread of its own rather than on one of the
/// few threads Swift concurrency shares; lines arrive through an `AsyncStream`, which ends at
/// end of input.
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        // Typed input is slow and small; a few hundred waiting lines is plenty.
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(256))
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        thread.name = "cinema.stdin"
        thread.start()
        return stream
    }
}
