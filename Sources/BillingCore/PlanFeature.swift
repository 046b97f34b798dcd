/// A plan feature whose use is counted per billing period (`API.md` § Billing).
///
/// The raw values are the contract's names: the keys of a plan's `limits` in the plans file and
/// the `feature` of `POST /verify-billing`. The case names match `HirebaseApp`'s earlier
/// `PlanFeature`, so that one can be replaced by this one without touching its callers.
public enum PlanFeature: String, Sendable, Hashable, CaseIterable, Codable {
    /// `ai_assessments`: AI-generated skill assessments sent to candidates.
    case aiAssessments = "ai_assessments"
    /// `candidate_matching`: rankings of the candidate pool for a job (`POST /match-candidates`).
    case candidateMatching = "candidate_matching"
    /// `job_scraping`: job pages read with `POST /scrape`.
    case jobScraping = "job_scraping"
    /// `ai_generations`: assessments drafted by the AI provider (`POST /assessments/generate`).
    /// Added after the plans file's first release: a plan that does not name it may not use it
    /// (limit 0), so that a file written before it still loads and gives nothing away.
    case aiGenerations = "ai_generations"
}
