public import CinemaCore

/// One session's conversation so far: what the visitor said and which clip answered.
public struct Conversation: Sendable, Codable, Equatable {
    public struct Turn: Sendable, Codable, Equatable {
        /// What the visitor said; `nil` for the greeting and a farewell the TV began.
        public var visitor: String?
        public var clip: Clip
        public var kind: Decision.Kind

        public init(visitor: String?, clip: Clip, kind: Decision.Kind) {
            self.visitor = visitor
            self.clip = clip
            self.kind = kind
        }
    }

    public private(set) var turns: [Turn] = []
    /// Every clip played in this session: none is played twice.
    public private(set) var playedClipIDs: Set<Int64> = []

    public init() {}

    public mutating func record(_ decision: Decision, visitor: String?) {
        turns.append(Turn(visitor: visitor, clip: decision.clip, kind: decision.kind))
        playedClipIDs.insert(decision.clip.id)
    }

    /// Films of the last few clips, most recent last: answers from other films keep it varied.
    public func recentFilmIDs(_ count: Int = 3) -> [Int64] {
        turns.suffix(count).map(\.clip.filmID)
    }

    public var filmIDs: Set<Int64> { Set(turns.map(\.clip.filmID)) }
}
