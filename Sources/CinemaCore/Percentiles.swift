/// Summary figures of a set of timings (or any measurements), for reports and benchmarks.
public struct Percentiles: Sendable, Codable, Equatable {
    public var p10: Double
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var count: Int

    /// Nearest-rank percentiles; all zero for no values.
    public init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ fraction: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
        }
        p10 = at(0.10)
        p50 = at(0.50)
        p90 = at(0.90)
        p99 = at(0.99)
        max = sorted.last ?? 0
        count = sorted.count
    }
}
