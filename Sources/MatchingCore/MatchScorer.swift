/// Combines the per-signal fits of one candidate into the 0...100 score, as ``MatchWeights``
/// documents. Built once per ranking call; reads no personal field, only the numbers it is given.
struct MatchScorer: Sendable {
    private let weights: MatchWeights
    private let requiredSkills: Int
    private let minYears: Double?
    private let usesPlace: Bool
    private let remote: Bool
    private let bestRelevance: Double
    private let totalWeight: Double

    /// - Parameter bestRelevance: the highest BM25 score in the pool; 0 drops the text signal.
    init(query: JobQuery, weights: MatchWeights, bestRelevance: Double) {
        self.weights = weights
        requiredSkills = query.skills.count
        minYears = query.minYears
        remote = query.remote
        usesPlace = query.remote || !query.placeParts.isEmpty
        self.bestRelevance = bestRelevance
        var total = 0.0
        if requiredSkills > 0 { total += weights.skills }
        if minYears != nil { total += weights.experience }
        if usesPlace { total += weights.location }
        if bestRelevance > 0 { total += weights.text }
        totalWeight = total
    }

    /// The score for one candidate.
    /// - Parameters:
    ///   - matched: how many distinct required skills the candidate lists.
    ///   - years: cleaned years of experience (NaN = unknown), see ``JobQuery/cleanYears(_:)``.
    ///   - place: the candidate's ``PlaceMatch`` (ignored for remote jobs).
    ///   - relevance: the candidate's BM25 score.
    @inline(__always)
    func score(matched: Int, years: Double, place: PlaceMatch, relevance: Double) -> Int {
        guard totalWeight > 0 else { return 0 }
        var sum = 0.0
        if requiredSkills > 0 { sum += weights.skills * Double(matched) / Double(requiredSkills) }
        if let minYears { sum += weights.experience * Self.experienceFit(years: years, minimum: minYears) }
        if usesPlace { sum += weights.location * (remote ? 1 : place.fit) }
        if bestRelevance > 0 { sum += weights.text * relevance / bestRelevance }
        let scaled = (100 * sum / totalWeight).rounded()
        return Int(min(100, max(0, scaled)))
    }

    /// 1 when the candidate has at least the minimum, else years / minimum; 0.5 when unknown.
    static func experienceFit(years: Double, minimum: Double) -> Double {
        if years.isNaN { return 0.5 }
        if minimum <= 0 || years >= minimum { return 1 }
        return years / minimum
    }
}
