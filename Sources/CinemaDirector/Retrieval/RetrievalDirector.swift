import CinemaCore
public import CinemaLibrary
import Foundation

/// The offline director: finds lines in the library that resemble what the visitor said, and
/// answers with the line that follows one of them in its film, so that the TV answers rather than
/// echoes. Needs no model and no network.
///
/// An actor because it keeps a random generator (seeded for tests) and the pools of greeting,
/// farewell and "what?" clips, which are searched for once. Each decision runs on threads of
/// its own (`DirectorExecutor`), so that neither its scoring nor its library reads wait on, or
/// hold up, the sockets on the cooperative pool.
public actor RetrievalDirector: Director {
    public nonisolated let name = "retrieval"
    private nonisolated let executor = DirectorExecutor(label: "cinema.retrieval-director")

    private let library: LibraryDatabase
    private let configuration: RetrievalConfiguration
    private let rules: ReplyRules
    private let cooldown: ClipCooldown
    private let meaning: MeaningSearch?
    private var random: SeededRandom
    private var pools: [Pool: [Clip]] = [:]
    private var sense: ReactionSense?

    enum Pool: Hashable {
        case greeting, farewell, fallback
        case reaction(Reaction)

        var name: String {
            switch self {
            case .greeting: "greeting"
            case .farewell: "farewell"
            case .fallback: "fallback"
            case .reaction(let reaction): reaction.rawValue
            }
        }
    }

    /// `cooldown` is shared by every session of the process. Without `meaning` (no embeddings
    /// in the library, or no server to embed the visitor's words) lines are found by words alone.
    public init(
        library: LibraryDatabase,
        configuration: RetrievalConfiguration = RetrievalConfiguration(),
        cooldown: ClipCooldown? = nil,
        meaning: MeaningSearch? = nil
    ) {
        self.library = library
        self.meaning = meaning
        self.configuration = configuration
        self.rules = ReplyRules(minimumSpeech: configuration.minimumSpeech, maximumSpeech: configuration.maximumSpeech)
        self.cooldown = cooldown ?? ClipCooldown(duration: .seconds(configuration.cooldownMinutes * 60))
        self.random = configuration.seed.map(SeededRandom.init(seed:)) ?? SeededRandom()
    }

    // MARK: Director

    public func prepare() async throws(DirectorError) {
        try await withTaskExecutorPreference(executor) { () async throws(DirectorError) in try await self.preparing() }
    }

    private func preparing() async throws(DirectorError) {
        for kind in [Pool.greeting, .farewell, .fallback] + Reaction.allCases.map(Pool.reaction) {
            _ = try await pool(kind)
        }
        _ = await reactionSense()
    }

    /// The reactions' example remarks embedded, once; `nil` without meaning (and tried again
    /// later when the embeddings server failed).
    private func reactionSense() async -> ReactionSense? {
        if let sense { return sense }
        guard let meaning else { return nil }
        let examples = Reaction.allCases.flatMap { reaction in (configuration.reactionExamples[reaction] ?? []).map { (reaction, $0) } }
        guard !examples.isEmpty, let vectors = try? await meaning.vectors(examples.map(\.1)) else { return nil }
        let sense = ReactionSense(examples: zip(examples, vectors).map { ($0.0, $1) }, threshold: configuration.reactionSimilarity)
        self.sense = sense
        return sense
    }

    public func greet(_ conversation: Conversation) async throws(DirectorError) -> Decision {
        try await withTaskExecutorPreference(executor) { () async throws(DirectorError) in
            try await self.fromPool(.greeting, conversation: conversation, because: "Opening the session with a greeting")
        }
    }

    public func farewell(_ conversation: Conversation) async throws(DirectorError) -> Decision {
        try await withTaskExecutorPreference(executor) { () async throws(DirectorError) in
            try await self.fromPool(.farewell, conversation: conversation, because: "Closing the session with a farewell")
        }
    }

    public func reply(to utterance: String, in conversation: Conversation) async throws(DirectorError) -> Decision {
        try await withTaskExecutorPreference(executor) { () async throws(DirectorError) in
            try await self.replying(to: utterance, in: conversation)
        }
    }

    private func replying(to utterance: String, in conversation: Conversation) async throws(DirectorError) -> Decision {
        let clock = ContinuousClock()
        let started = clock.now
        let heard = ReplyRules.Utterance(Self.bounded(utterance))
        guard !heard.words.isEmpty else {
            return try await fromPool(.fallback, conversation: conversation, because: "Heard no words")
        }
        if VisitorIntent.isGreeting(heard.text) {
            var decision = try await fromPool(
                .greeting,
                conversation: conversation,
                because: "Greeted with \(Self.quoted(heard.text)), greeting back"
            )
            decision.kind = .reply
            return decision
        }

        let queries = Self.queries(for: heard.text)
        // Lines like the visitor's, found by their words and by their meaning, merged: a line
        // both find is one match that knows both closenesses.
        var matches: [(clip: Clip, found: Decision.Match)] = []
        var position: [Int64: Int] = [:]
        func add(_ clip: Clip, lexical: Double? = nil, semantic: Double? = nil) {
            if let index = position[clip.id] {
                matches[index].found.lexical = matches[index].found.lexical ?? lexical
                matches[index].found.semantic = matches[index].found.semantic ?? semantic
                matches[index].found.byMeaning = matches[index].found.byMeaning || semantic != nil
            } else {
                position[clip.id] = matches.count
                let found = Decision.Match(clipID: clip.id, text: clip.text, lexical: lexical, semantic: semantic, byMeaning: semantic != nil)
                matches.append((clip, found))
            }
        }
        let results: [[Clip]]
        do {
            results = try await library.search(queries, limit: configuration.matchesPerSearch)
        } catch {
            throw .library(error.description)
        }
        for found in results {
            let best = found.first?.score ?? 1
            for clip in found where position[clip.id] == nil {
                add(clip, lexical: best > 0 ? (clip.score ?? 0) / best : 0)
            }
        }
        var meaningNote: String?
        var meant: MeaningSearch.Query?
        if let meaning {
            do {
                let query = try await meaning.query(heard.text)
                for line in try await meaning.lines(nearest: query, limit: configuration.meaningMatches) {
                    add(line.clip, semantic: line.similarity)
                }
                meant = query
            } catch {
                meaningNote = "Meaning was not searched (\(error.description)); answered by words alone."
            }
        }
        let replies: [Int64: Clip]
        do {
            replies = try await library.replies(to: matches.map(\.clip.id), maxSpeech: configuration.maximumSpeech)
        } catch {
            throw .library(error.description)
        }
        // How near in meaning every line weighed is, however it was found: words find lines
        // that share the visitor's words but not their sense.
        let nearness = meant?.similarity(to: matches.map(\.clip.id) + replies.values.map(\.id)) ?? [:]
        for index in matches.indices where matches[index].found.semantic == nil {
            matches[index].found.semantic = nearness[matches[index].clip.id]
        }
        let searched = clock.now

        let context = context(for: conversation, considering: replies.values.map(\.id) + matches.map(\.clip.id))
        var scored: [Decision.Candidate] = []
        var excluded: [Decision.Candidate] = []
        var repliesSeen = Set<Int64>()
        for (match, found) in matches {
            // The matched line itself, when it is a short reaction to the visitor's own word.
            if let relevance = found.lexical, repliesSeen.insert(match.id).inserted {
                switch rules.judgeRetort(line: match, relevance: relevance, meaning: found.semantic, utterance: heard, context: context) {
                case .scored(let score, let notes):
                    scored.append(Decision.Candidate(clip: match, score: score, kind: .retort, notes: notes))
                case .excluded:
                    // Most matches are not retorts; listing them all would bury the real candidates.
                    break
                }
            }
            guard let reply = replies[match.id], repliesSeen.insert(reply.id).inserted else { continue }
            switch rules.judge(reply: reply, match: match, found: found, replyMeaning: nearness[reply.id], utterance: heard, context: context) {
            case .scored(let score, let notes):
                scored.append(Decision.Candidate(clip: reply, score: score, kind: .reply, match: found, notes: notes))
            case .excluded(let reason):
                excluded.append(Decision.Candidate(clip: reply, score: 0, kind: .reply, match: found, notes: [reason]))
            }
        }
        // The visitor's sentence turned around: a line that says it is itself an answer.
        var queriesUsed = queries
        if let reflectedText = Reflection.reflect(heard.text) {
            let reflected = ReplyRules.Utterance(reflectedText)
            queriesUsed.append(reflectedText)
            let found = try await search(reflectedText, limit: 20)
            let best = found.first?.score ?? 1
            let reflectionContext = self.context(for: conversation, considering: found.map(\.id))
            for line in found where repliesSeen.insert(line.id).inserted {
                let relevance = best > 0 ? (line.score ?? 0) / best : 0
                switch rules.judgeReflection(line: line, relevance: relevance, reflected: reflected, utterance: heard, context: reflectionContext) {
                case .scored(let score, let notes):
                    scored.append(Decision.Candidate(clip: line, score: score, kind: .reflection, notes: notes))
                case .excluded(let reason):
                    excluded.append(Decision.Candidate(clip: line, score: 0, kind: .reflection, notes: [reason]))
                }
            }
        }
        // A fitting reaction to thanks, distress, a rebuke or a bare "yes" competes with the rest.
        var meantReaction: (reaction: Reaction, similarity: Double)?
        if let meant { meantReaction = await reactionSense()?.detect(meant.vector) }
        let wordReaction = Reaction.detect(heard.words)
        if let reaction = wordReaction ?? meantReaction?.reaction {
            let told = wordReaction != nil ? "" : String(format: " (told by meaning, %.2f)", meantReaction?.similarity ?? 0)
            let pool = try await pool(.reaction(reaction))
            let usable = playable(pool, context: self.context(for: conversation, considering: pool.map(\.id)), repeats: false)
            // A pool line may already have been weighed as a retort and left out; as a reaction it counts.
            if let line = usable.randomElement(using: &random), !scored.contains(where: { $0.clip.id == line.id }) {
                scored.append(
                    Decision.Candidate(
                        clip: line,
                        score: configuration.reactionScore,
                        kind: .reaction,
                        notes: ["a fitting reaction to \(reaction.rawValue)\(told)"]
                    )
                )
                queriesUsed += configuration.reactionQueries[reaction] ?? []
            }
        }
        // When nothing specific fits, a plain answer of the right form still answers: "Who
        // knows?" to a question, "Is that so?" to news of the visitor's own life. Not to words the
        // library does not know (another language, nonsense): "What?" answers those.
        if !scored.contains(where: { $0.kind == .reaction }), let form = Self.plainForm(heard), try await knowsWords(of: heard) {
            let pool = try await pool(.reaction(form))
            // Lines other sessions played lately are kept for when nothing fresh is left: "Who
            // knows?" from another film again beats "What?" to a fair question.
            let usable = playable(pool, context: self.context(for: conversation, considering: pool.map(\.id)), repeats: true)
            if let line = usable.randomElement(using: &random), !scored.contains(where: { $0.clip.id == line.id }) {
                let why = form == .musing ? "a plain answer to a question" : "a plain answer to news of the visitor's life"
                scored.append(Decision.Candidate(clip: line, score: configuration.plainScore, kind: .reaction, notes: [why]))
            }
        }
        let searchedAll = clock.now
        scored.sort { $0.score > $1.score }

        guard let chosen = pick(from: scored) else {
            let why =
                matches.isEmpty
                ? "No line in the library resembles it"
                : scored.isEmpty
                    ? "No usable reply among \(matches.count) matching lines"
                    : "The best answer found (\(Self.quoted(scored[0].clip.text)), score \(String(format: "%.2f", scored[0].score))) is too weak"
            var decision = try await fromPool(.fallback, conversation: conversation, because: "\(why) (\(Self.quoted(heard.text)))")
            if let meaningNote { decision.reasoning += " " + meaningNote }
            decision.queries = queriesUsed + decision.queries
            decision.candidates = Array((scored + excluded).prefix(20))
            decision.timings.searchMilliseconds += (searchedAll - started) / .milliseconds(1)
            decision.timings.totalMilliseconds = (clock.now - started) / .milliseconds(1)
            return decision
        }
        cooldown.played(chosen.candidate.clip.id)
        var timings = Decision.Timings()
        timings.searchMilliseconds = (searched - started) / .milliseconds(1) + (searchedAll - searched) / .milliseconds(1)
        timings.totalMilliseconds = (clock.now - started) / .milliseconds(1)
        return Decision(
            clip: chosen.candidate.clip,
            kind: .reply,
            director: name,
            reasoning: Self.reasoning(heard: heard, chosen: chosen.candidate, rank: chosen.rank, of: scored.count)
                + (meaningNote.map { " " + $0 } ?? ""),
            queries: queriesUsed,
            candidates: Array((scored + excluded).prefix(20)),
            timings: timings
        )
    }

    // MARK: Choosing

    /// One of the best few, drawn with weight by score, so that the same words do not always
    /// get the same answer.
    private func pick(from candidates: [Decision.Candidate]) -> (candidate: Decision.Candidate, rank: Int)? {
        // Only those close to the best: a clearly better answer should not lose to a coin toss.
        guard let best = candidates.first?.score, best >= configuration.minimumScore else { return nil }
        let top = candidates.prefix(configuration.choices).filter { $0.score >= best * 0.8 }
        guard !top.isEmpty else { return nil }
        let total = top.reduce(0) { $0 + $1.score }
        var point = Double.random(in: 0..<total, using: &random)
        for (rank, candidate) in top.enumerated() {
            point -= candidate.score
            if point < 0 { return (candidate, rank) }
        }
        return (top[top.count - 1], top.count - 1)
    }

    private func fromPool(_ kind: Pool, conversation: Conversation, because why: String) async throws(DirectorError) -> Decision {
        let clock = ContinuousClock()
        let started = clock.now
        let pool = try await pool(kind)
        let context = context(for: conversation, considering: pool.map(\.id))
        // Prefer what no other session played lately, but a repeat beats silence.
        let usable = playable(pool, context: context, repeats: true)
        let queries = queries(for: kind)

        let clip: Clip
        let reasoning: String
        if let choice = usable.randomElement(using: &random) {
            clip = choice
            reasoning = "\(why): \(Self.quoted(choice.text)) from \(choice.filmTitle), one of \(usable.count) \(kind.name) lines found."
        } else {
            clip = try await anyLine(excluding: conversation.playedClipIDs)
            reasoning = "\(why); no unplayed \(kind.name) line was found, so a short line at random: \(Self.quoted(clip.text))."
        }
        cooldown.played(clip.id)
        var timings = Decision.Timings()
        timings.totalMilliseconds = (clock.now - started) / .milliseconds(1)
        timings.searchMilliseconds = timings.totalMilliseconds
        return Decision(
            clip: clip,
            kind: kind == .greeting ? .greeting : kind == .farewell ? .farewell : .fallback,
            director: name,
            reasoning: reasoning,
            queries: queries,
            // The one played first, so that the decision shows it among what was weighed.
            candidates: ([clip] + usable.filter { $0.id != clip.id }.prefix(9)).map { Decision.Candidate(clip: $0, score: 1, kind: .pool) },
            timings: timings
        )
    }

    /// The lines of `pool` that may be played now and that no other session played lately;
    /// with `repeats`, when none is fresh, the lately played ones too.
    private func playable(_ pool: [Clip], context: ReplyRules.Context, repeats: Bool) -> [Clip] {
        let allowed = pool.filter { rules.allows($0, context: context) }
        let fresh = allowed.filter { !context.coolingClipIDs.contains($0.id) }
        return fresh.isEmpty && repeats ? allowed : fresh
    }

    /// Lines that say just what a pool's queries say ("What?", "What did you say?"), searched
    /// for once and kept.
    private func pool(_ kind: Pool) async throws(DirectorError) -> [Clip] {
        if let pool = pools[kind] { return pool }
        var clips: [Clip] = []
        // Only lines taken count as seen: a line one query passes over ("Say that again?" for
        // "What did you say?") may be exactly what a later query wants.
        var taken = Set<Int64>()
        for query in queries(for: kind) {
            let wanted = SearchQuery(query).words
            for clip in try await search(query, limit: 25) where !taken.contains(clip.id) {
                // The line must say the query, and little else: no name ("Sara, how dare you").
                let said = SearchQuery(clip.text).words
                // A one-word query ("Good.") admits only itself: "Good night." is not an acknowledgement.
                // A reaction must say just that: "I can't sleep." is not a refusal.
                let extra: Int
                if case .reaction = kind { extra = 0 } else { extra = wanted.count == 1 ? 0 : 1 }
                if Self.contains(said, wanted) && said.count <= wanted.count + extra && !ReplyRules.addsCapitalizedWord(clip.text, to: wanted) {
                    clips.append(clip)
                    taken.insert(clip.id)
                }
            }
        }
        pools[kind] = clips
        return clips
    }

    private func queries(for kind: Pool) -> [String] {
        switch kind {
        case .greeting: configuration.greetingQueries
        case .farewell: configuration.farewellQueries
        case .fallback: configuration.fallbackQueries
        case .reaction(let reaction): configuration.reactionQueries[reaction] ?? []
        }
    }

    /// A short spoken line from anywhere, when no pool has anything left. Unplayed if possible,
    /// but in a small library that has said everything a repeat beats silence.
    private func anyLine(excluding played: Set<Int64>) async throws(DirectorError) -> Clip {
        do {
            let maxID = try await library.maxClipID()
            var repeated: Clip?
            for _ in 0..<20 where maxID > 0 {
                let id = Int64.random(in: 1...maxID, using: &random)
                guard let clip = try await library.spokenClip(atOrAfter: id, minSpeech: 0, maxSpeech: configuration.maximumSpeech) else { break }
                if !played.contains(clip.id) { return clip }
                repeated = repeated ?? clip
            }
            if let repeated { return repeated }
        } catch {
            throw .library(error.description)
        }
        throw .emptyLibrary(path: library.path)
    }

    private func context(for conversation: Conversation, considering clipIDs: [Int64]) -> ReplyRules.Context {
        ReplyRules.Context(
            playedClipIDs: conversation.playedClipIDs,
            recentFilmIDs: conversation.recentFilmIDs(),
            sessionFilmIDs: conversation.filmIDs,
            coolingClipIDs: cooldown.cooling(clipIDs)
        )
    }

    private func search(_ text: String, limit: Int) async throws(DirectorError) -> [Clip] {
        do {
            return try await library.search(text, limit: limit)
        } catch {
            throw .library(error.description)
        }
    }

    /// The reaction a plain answer takes: a question gets a musing ("Who knows?"), a statement
    /// about the visitor's life gets news ("Is that so?").
    static func plainForm(_ heard: ReplyRules.Utterance) -> Reaction? {
        if heard.isQuestion { return .musing }
        return heard.words.contains(where: ["i", "my", "we", "our", "me"].contains) ? .news : nil
    }

    /// Whether most of the visitor's content words occur somewhere in the library: English it
    /// knows, rather than another language or nonsense.
    private func knowsWords(of heard: ReplyRules.Utterance) async throws(DirectorError) -> Bool {
        let words = Array(heard.keywords.sorted().prefix(6))
        guard !words.isEmpty else { return true }
        // One read for all of them, not a trip to a reader per word.
        let found: [[Clip]]
        do {
            found = try await library.search(words, limit: 1)
        } catch {
            throw .library(error.description)
        }
        let known = found.count { !$0.isEmpty }
        return known * 2 >= words.count
    }

    // MARK: Text

    /// Very long utterances are cut to their last words: what someone says last is what they
    /// want answered, and a search needs no more than a sentence or two.
    static func bounded(_ utterance: String, words limit: Int = 40) -> String {
        let words = utterance.split(whereSeparator: \.isWhitespace)
        return words.suffix(limit).joined(separator: " ")
    }

    /// The whole utterance, and its last sentence when there are several.
    static func queries(for text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".?!".contains(character) {
                let sentence = current.trimmingCharacters(in: .whitespaces)
                if !SearchQuery(sentence).words.isEmpty { sentences.append(sentence) }
                current = ""
            }
        }
        let tail = current.trimmingCharacters(in: .whitespaces)
        if !SearchQuery(tail).words.isEmpty { sentences.append(tail) }
        guard sentences.count > 1, let last = sentences.last else { return [text] + windows(of: text) }
        return [text, last]
    }

    /// A long run of words without punctuation (what speech-to-text gives) searched as a whole
    /// favours short lines that share its commonest words; a line the visitor quoted is found
    /// by a few words in a row. So such a run is also searched five words at a time.
    static func windows(of text: String) -> [String] {
        let words = text.split(whereSeparator: \.isWhitespace)
        let width = 5
        // Up to what 15 s of speech holds; longer text is not something heard.
        guard (8...60).contains(words.count) else { return [] }
        let maximum = 8
        let stride = max(3, (words.count - width + maximum - 1) / maximum)
        return Swift.stride(from: 0, through: words.count - width, by: stride).prefix(maximum).map {
            words[$0..<($0 + width)].joined(separator: " ")
        }
    }

    static func contains(_ words: [String], _ run: [String]) -> Bool {
        guard !run.isEmpty, words.count >= run.count else { return false }
        return (0...(words.count - run.count)).contains { words[$0..<($0 + run.count)].elementsEqual(run) }
    }

    /// ", meaning 0.83": how near in meaning a line found that way is.
    static func closeness(_ match: Decision.Match) -> String {
        match.semantic.map { String(format: ", meaning %.2f", $0) } ?? ""
    }

    static func quoted(_ text: String) -> String {
        "“" + text.split(separator: "\n").joined(separator: " / ") + "”"
    }

    static func reasoning(heard: ReplyRules.Utterance, chosen: Decision.Candidate, rank: Int, of total: Int) -> String {
        let clip = chosen.clip
        var parts = ["Heard \(quoted(heard.text))."]
        if let match = chosen.match {
            parts.append(
                "It resembles \(quoted(match.text)) (found by \(match.foundBy)\(closeness(match))), which in \(clip.filmTitle) is answered by \(quoted(clip.text)) "
                    + "at \(Timecode.format(clip.cueStart)) (\(ReplyRules.seconds(clip.cueEnd - clip.cueStart)) s)."
            )
        } else {
            switch chosen.kind {
            case .reaction:
                parts.append("\(quoted(clip.text)) from \(clip.filmTitle) is \(chosen.notes.first ?? "a fitting reaction").")
            case .retort:
                parts.append("\(quoted(clip.text)) in \(clip.filmTitle) at \(Timecode.format(clip.cueStart)) reacts to the visitor's own word.")
            default:
                parts.append("Turned around, it is said back by \(quoted(clip.text)) in \(clip.filmTitle) at \(Timecode.format(clip.cueStart)).")
            }
        }
        if !chosen.notes.isEmpty { parts.append("Notes: \(chosen.notes.joined(separator: "; ")).") }
        parts.append(
            "Drawn as number \(rank + 1) of the best \(min(3, total)) of \(total) candidates (score \(String(format: "%.2f", chosen.score)))."
        )
        return parts.joined(separator: " ")
    }
}
