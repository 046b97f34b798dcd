import BillingCore
import Fluent
import Foundation
import MatchingCore

/// Ranks a company's candidates for one of its jobs (`MatchingCore`), metered as the plan
/// feature `candidate_matching`.
struct MatchService: Sendable {
    /// The ranking, with the alias tables loaded at start-up.
    let matcher: CandidateMatcher

    /// The ranked candidates, after consuming one `candidate_matching` use of `userID`'s plan.
    /// - Parameters:
    ///   - job: the job `input.jobID` names, read by the caller (who checked the role).
    ///   - pools: the prepared pools (`HirebaseServices.candidatePools`).
    ///   - metering: the plan's usage (`HirebaseServices.billing`).
    /// - Returns: the results, best first, and how many candidates were scored.
    /// - Throws: 402 `plan_limit_reached` when the plan's allowance is used up.
    func match(_ input: MatchInput, job: Job, by userID: UUID, pools: CandidatePoolCache, metering: some UsageMetering,
               on db: any Database) async throws -> (results: [MatchResult], evaluated: Int) {
        try await metering.consumeOrRefuse(.candidateMatching, userID: userID, on: db)
        let pool = try await pools.pool(for: job.companyID, on: db)
        let profile = JobProfile(title: job.title, description: job.description, skills: job.skills, location: job.location, remote: job.remote)
        let results = matcher.rank(job: profile, pool: pool, limit: input.limit, minScore: input.minScore)
        return (results, pool.count)
    }
}
