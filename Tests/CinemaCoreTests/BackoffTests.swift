import CinemaCore
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("Pauses double from the first and never pass the cap, whatever the jitter (31.7 s was seen against a 30 s cap)")
    func capHolds() {
        func seconds(_ pause: Duration) -> Double { Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18 }
        func close(_ pauses: [Duration], _ expected: [Double]) -> Bool {
            pauses.count == expected.count && zip(pauses, expected).allSatisfy { abs(seconds($0) - $1) < 1e-9 }
        }
        var highest = Backoff(initial: .seconds(1), maximum: .seconds(30))
        let pauses = (0..<12).map { _ in highest.next(jitter: 1.1) }
        #expect(close(Array(pauses.prefix(5)), [1.1, 2.2, 4.4, 8.8, 17.6]), "\(pauses)")
        #expect(pauses.allSatisfy { $0 <= .seconds(30) }, "\(pauses)")
        // At the cap the spread is mirrored below it.
        #expect(close(Array(pauses.suffix(2)), [27, 27]), "\(pauses)")

        var lowest = Backoff(initial: .seconds(1), maximum: .seconds(30))
        let low = (0..<12).map { _ in lowest.next(jitter: 0.9) }
        #expect(close([low[0], low.last!], [0.9, 27]), "\(low)")

        var random = Backoff(initial: .milliseconds(500), maximum: .seconds(10))
        let drawn = (0..<200).map { _ in random.next() }
        #expect(drawn.allSatisfy { $0 <= .seconds(10) && $0 >= .milliseconds(450) }, "\(drawn.filter { $0 > .seconds(10) })")
        random.succeeded()
        #expect(random.next(jitter: 1) == .milliseconds(500))
    }
}
