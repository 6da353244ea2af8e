import Foundation

/// Tells which reaction fits what a visitor said by its meaning rather than its words: each
/// reaction has a handful of example remarks (`RetrievalConfiguration.reactionExamples`), and a
/// visitor's line near enough to one of them in meaning calls for that reaction. "My cat died
/// last week" shares no word with "I'm sad", but means as much.
struct ReactionSense: Sendable {
    private let examples: [(reaction: Reaction, vector: [Float])]
    let threshold: Double

    init(examples: [(reaction: Reaction, vector: [Float])], threshold: Double) {
        self.examples = examples
        self.threshold = threshold
    }

    /// The reaction whose example is nearest to `vector`, if it is near enough, with how near.
    func detect(_ vector: [Float]) -> (reaction: Reaction, similarity: Double)? {
        var best: (reaction: Reaction, similarity: Double)?
        for example in examples where example.vector.count == vector.count {
            var dot: Float = 0
            for index in vector.indices { dot += vector[index] * example.vector[index] }
            let similarity = Double(dot)
            if similarity >= threshold && similarity > (best?.similarity ?? -1) { best = (example.reaction, similarity) }
        }
        return best
    }
}
