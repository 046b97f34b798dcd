import Foundation

/// Ranks candidates for a job: the engine behind `POST /match-candidates`.
///
/// Pure and deterministic: the same job and pool give the same scores and order on every run
/// and whatever the thread count. The score (0...100, see ``MatchWeights``) comes from
/// required-skill coverage, experience fit, location fit and BM25 text relevance; it never reads
/// a candidate's ``CandidateProfile/id`` (tie-break only) or ``CandidateProfile/name``
/// (copied to the result only).
///
/// Two ways in, with identical results:
/// - ``rank(job:candidates:limit:minScore:)`` scans profiles directly; nothing is kept.
/// - ``prepare(_:)`` builds a ``CandidatePool`` (skills, places and an inverted text index,
///   computed once), then ``rank(job:pool:limit:minScore:)`` ranks it for any job far faster.
public struct CandidateMatcher: Sendable {
    /// Skill table used to normalize job and candidate skills.
    public let aliases: SkillAliases
    /// Place table used to normalize locations.
    public let places: PlaceAliases
    /// Signal weights.
    public let weights: MatchWeights
    /// Most threads one call uses; pools under ``parallelThreshold`` candidates use one.
    let maxThreads: Int

    /// Pools smaller than this are ranked on one thread: below it, starting threads costs more
    /// than it saves.
    static let parallelThreshold = 4096

    /// Creates a matcher.
    /// - Parameters:
    ///   - aliases: skill alias table; ``SkillAliases/bundled`` by default.
    ///   - places: place alias table; ``PlaceAliases/bundled`` by default.
    ///   - weights: signal weights; ``MatchWeights/standard`` by default.
    public init(
        aliases: SkillAliases = .bundled,
        places: PlaceAliases = .bundled,
        weights: MatchWeights = .standard
    ) {
        self.init(
            aliases: aliases,
            places: places,
            weights: weights,
            maxThreads: min(8, ProcessInfo.processInfo.activeProcessorCount)
        )
    }

    init(aliases: SkillAliases, places: PlaceAliases, weights: MatchWeights, maxThreads: Int) {
        self.aliases = aliases
        self.places = places
        self.weights = weights
        self.maxThreads = max(1, maxThreads)
    }

    /// Number of parts to split a pool of `count` candidates into.
    func parts(for count: Int) -> Int {
        count < Self.parallelThreshold ? 1 : maxThreads
    }

    /// Builds a ``MatchResult`` for a selected candidate.
    func result(
        query: JobQuery,
        id: UUID,
        name: String,
        score: Int,
        matchedSlots: Set<Int>,
        years: Double,
        place: PlaceMatch
    ) -> MatchResult {
        var matched: [String] = []
        var missing: [String] = []
        for (slot, skill) in query.skills.enumerated() {
            if matchedSlots.contains(slot) { matched.append(skill.name) } else { missing.append(skill.name) }
        }
        return MatchResult(
            candidateId: id,
            name: name,
            score: score,
            matchedSkills: matched,
            missingSkills: missing,
            explanation: MatchExplanation.sentence(
                query: query, matched: matched, missing: missing, years: years, place: place
            )
        )
    }
}
