import CinemaCore
import GRDB

/// Runs a `SearchQuery` against the full-text index with bounded work per query.
///
/// FTS5's BM25 costs a few microseconds for every row it ranks, and a word like "going" is said
/// some 15,000 times in 300 films: ranking all of them takes tens of milliseconds. So each tier
/// is first fetched unranked, up to `rankingBudget + 1` rows (cheap: FTS5 stops early), and only
/// a tier that fits the budget is ranked. When even the narrowest tier matches too much, BM25
/// ranks a slice of the broadest one.
enum ClipSearch {
    /// How many matches a tier may have and still be ranked in full (about 1 ms of BM25).
    static let rankingBudget = 400
    /// How many matches of the broadest expression a slice ranks.
    static let sliceBudget = 300
    /// Below this many precise matches, a slice of broader ones is added. Precise matches (every
    /// keyword, or the whole sentence) are better answers than more of the broad ones, and
    /// filling every short list would double the cost of most searches.
    static let fewestWorthKeeping = 3

    struct Hit: Equatable {
        var id: Int64
        var score: Double
    }

    static func hits(for query: SearchQuery, limit: Int, in db: Database) throws -> [Hit] {
        var hits: [Hit] = []
        for tier in query.tiers {
            let ids = try Int64.fetchAll(
                db.cachedStatement(sql: "SELECT rowid FROM cue_fts WHERE cue_fts MATCH ? LIMIT ?"),
                arguments: [tier.expression, rankingBudget + 1]
            )
            guard !ids.isEmpty, ids.count <= rankingBudget else { continue }
            switch tier.ranking {
            case .bm25:
                hits = try bm25(tier.expression, limit: limit, sentence: query.words, db)
            case .coverage:
                hits = try coverage(of: ids, queryWords: query.words.count, limit: limit, db)
            }
            break
        }
        // Nothing, or almost nothing, precise: add the best of a slice of the broadest tier.
        if hits.count < min(limit, fewestWorthKeeping), let broadest = query.broadestExpression {
            let seen = Set(hits.map(\.id))
            var more = try slice(of: broadest, seed: query.text, limit: limit + hits.count, db).filter { !seen.contains($0.id) }
            // Broad matches rank below precise ones whatever BM25 says, and coverage and BM25
            // are different scales: keep the broad ones' order, below the lowest precise score.
            if let floor = hits.map(\.score).min(), let top = more.map(\.score).max(), top > 0 {
                more = more.map { Hit(id: $0.id, score: floor * 0.9 * $0.score / top) }
            }
            hits += more.prefix(limit - hits.count)
        }
        return hits
    }

    /// BM25 over the keywords, then lines that say the whole sentence move to the top.
    ///
    /// BM25 of a keyword tier knows nothing of the other words ("what did you say" is only
    /// "say" to it); weighing the sentence in FTS5 as well would evaluate the phrase across the
    /// whole index (p99 21 ms at 365k cues). Re-ranking twice `limit` of the best is cheap.
    private static func bm25(_ expression: String, limit: Int, sentence: [String], _ db: Database) throws -> [Hit] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT ranked.rowid, ranked.rank, cue.text
                    FROM (SELECT rowid, rank FROM cue_fts WHERE cue_fts MATCH ? ORDER BY rank LIMIT ?) AS ranked
                    JOIN cue ON cue.id = ranked.rowid
                    ORDER BY ranked.rank
                    """
            ),
            arguments: [expression, limit * 2]
        )
        // bm25 is negative, lower is better; people expect higher is better.
        let scored = rows.map { row in (hit: Hit(id: row[0], score: -(row[1] as Double)), text: row[2] as String) }
        guard sentence.count >= 2, let top = scored.first?.hit.score else { return scored.prefix(limit).map(\.hit) }
        let exact = scored.filter { contains(SearchQuery.words(in: $0.text), sentence) }.map { Hit(id: $0.hit.id, score: $0.hit.score + top) }
        let exactIDs = Set(exact.map(\.id))
        return (exact + scored.map(\.hit).filter { !exactIDs.contains($0.id) }).prefix(limit).map { $0 }
    }

    /// Whether `words` holds `sentence` as a run of consecutive words.
    static func contains(_ words: [String], _ sentence: [String]) -> Bool {
        guard !sentence.isEmpty, words.count >= sentence.count else { return false }
        return (0...(words.count - sentence.count)).contains { start in words[start..<(start + sentence.count)].elementsEqual(sentence) }
    }

    /// Lines that contain every word, closest first: the score is the share of the line's words
    /// that the query accounts for (1 means the line is exactly what was said).
    private static func coverage(of ids: [Int64], queryWords: Int, limit: Int, _ db: Database) throws -> [Hit] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, text FROM cue WHERE id IN (SELECT value FROM json_each(?)) ORDER BY length(text), id LIMIT ?"),
            arguments: [jsonArray(ids), limit]
        ).map { row in
            let lineWords = max(1, SearchQuery.words(in: row["text"]).count)
            return Hit(id: row["id"], score: min(1, Double(queryWords) / Double(lineWords)))
        }
    }

    /// BM25 over about `sliceBudget` matches of `expression`, taken from a place in the library
    /// that depends on the query, so that a very common word still gets quick, varied answers.
    private static func slice(of expression: String, seed: String, limit: Int, _ db: Database) throws -> [Hit] {
        let maxID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(rowid) FROM cue")) ?? 0
        guard maxID > 0 else { return [] }
        let window = try db.cachedStatement(sql: "SELECT rowid FROM cue_fts WHERE cue_fts MATCH ? AND rowid >= ? LIMIT ?")
        var start = Int64(truncatingIfNeeded: StableHash.fnv1a(seed.lowercased()) % UInt64(maxID))
        var ids = try Int64.fetchAll(window, arguments: [expression, start, sliceBudget])
        if ids.count < sliceBudget && start > 0 {
            start = 0
            ids = try Int64.fetchAll(window, arguments: [expression, start, sliceBudget])
        }
        guard let last = ids.last else { return [] }
        return try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT rowid, rank FROM cue_fts WHERE cue_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?"
            ),
            arguments: [expression, start, last, limit]
        ).map { Hit(id: $0[0], score: -($0[1] as Double)) }
    }

    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }
}
