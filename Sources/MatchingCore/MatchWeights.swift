/// How much each signal counts in the 0...100 score.
///
/// Each signal is a fit in 0...1:
/// - `skills`: share of the job's required skills the candidate lists (after normalization).
/// - `experience`: 1 when `yearsExperience >= minYearsExperience`, else the ratio of the two;
///   0.5 (neutral) when the candidate's years are unknown.
/// - `location`: 1 for a remote job; for an onsite job 1 when the job's most specific place part
///   (its city) is among the candidate's place parts, 0.6 when only a broader part (region,
///   country) is shared, 0 when none is, 0.5 (neutral) when the candidate's location is unknown.
/// - `text`: the candidate's BM25 relevance to the job's text divided by the best in the pool.
///
/// `score = round(100 * Σ weight·fit / Σ weight)`, the sums taken over the signals the job
/// defines: no required skills, no minimum years, or an onsite job without a place drop that
/// signal for every candidate (so they neither help nor hurt anyone); so does text when no
/// candidate in the pool matches any query term. A job that defines no signal scores everyone 0.
public struct MatchWeights: Sendable, Hashable {
    /// Weight of required-skill coverage; dominant by design.
    public var skills: Double
    /// Weight of experience fit.
    public var experience: Double
    /// Weight of location / remote fit.
    public var location: Double
    /// Weight of text relevance (BM25 of the job's text against headline and résumé).
    public var text: Double

    /// The weights the API uses: skills 0.55, text 0.20, experience 0.15, location 0.10.
    public static let standard = MatchWeights(skills: 0.55, experience: 0.15, location: 0.10, text: 0.20)

    /// Creates weights; negative or non-finite values count as 0.
    public init(skills: Double, experience: Double, location: Double, text: Double) {
        func clean(_ value: Double) -> Double { value.isFinite && value > 0 ? value : 0 }
        self.skills = clean(skills)
        self.experience = clean(experience)
        self.location = clean(location)
        self.text = clean(text)
    }
}
