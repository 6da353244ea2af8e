/// A sentence embedding as the library stores it: scaled to unit length, then each component
/// rounded to a signed byte (×127). A quarter of the size of `Float`s, and the cosine between
/// two stored vectors is within about 0.01 of the one between the originals.
public struct EmbeddingVector: Sendable, Equatable {
    /// The scale of a unit component: ±127, so that −128 never occurs and the product of two
    /// components always fits in an `Int16` with room for one more.
    public static let scale: Float = 127

    public let components: [Int8]

    /// Nil for a vector that has no direction: empty, all zeros, or with a component that is
    /// not a finite number.
    public init?(quantizing vector: [Float]) {
        var squares: Float = 0
        for value in vector {
            guard value.isFinite else { return nil }
            squares += value * value
        }
        guard squares > 0, squares.isFinite else { return nil }
        let factor = Self.scale / squares.squareRoot()
        components = vector.map { Int8(max(-Self.scale, min(Self.scale, ($0 * factor).rounded()))) }
    }

    /// A stored vector, as read back; a −128 (written by something else) is taken as −127.
    public init(components: [Int8]) {
        self.components = components.map { max($0, -127) }
    }

    /// The unit vector it stands for, approximately.
    public var floats: [Float] {
        components.map { Float($0) / Self.scale }
    }
}
