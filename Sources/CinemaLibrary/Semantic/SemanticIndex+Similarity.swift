extension SemanticIndex {
    /// How near in meaning each of `cueIDs` is to `query`: cosine, −1…1. Lines without a vector
    /// are absent. For the few lines a director has already found some other way (a reply, a
    /// line found by its words), so it looks each up rather than scanning.
    public func similarity(of query: [Float], to cueIDs: [Int64]) -> [Int64: Double] {
        guard query.count == dimensions, !cueIDs.isEmpty else { return [:] }
        let length = query.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return [:] }
        var similarities: [Int64: Double] = [:]
        for id in cueIDs {
            guard let row = row(of: id) else { continue }
            var dot: Float = 0
            for component in 0..<dimensions { dot += Float(rows[row * stride + component]) * query[component] }
            similarities[id] = min(1, max(-1, Double(dot * inverseNorms[row] / length)))
        }
        return similarities
    }

    /// The row of a cue: rows are loaded in cue order, so a binary search finds it.
    private func row(of id: Int64) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            if ids[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < ids.count && ids[low] == id ? low : nil
    }
}
