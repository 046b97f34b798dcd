import BillingCore
import Fluent
import MatchingCore
import Vapor

/// `POST /match-candidates` (recruiter+, plan feature `candidate_matching`): ranks the job's
/// company's candidates for the job with `MatchingCore`.
struct MatchController: RouteCollection {

    func boot(routes: any RoutesBuilder) throws {
        routes.post("match-candidates", use: match)
    }

    struct MatchRequest: Content {
        var jobId: UUID?
        var limit: Int?
        var minScore: Int?
    }

    struct MatchResultDTO: Content {
        var candidateId: String
        var name: String
        var score: Int
        var matchedSkills: [String]
        var missingSkills: [String]
        var explanation: String
    }

    struct MatchResponse: Content {
        var jobId: String
        var results: [MatchResultDTO]
        /// How many candidates were scored.
        var evaluated: Int
    }

    @Sendable
    func match(req: Request) async throws -> MatchResponse {
        let body = try req.content.decode(MatchRequest.self)
        var validator = FieldValidator()
        if body.jobId == nil { validator.fail("jobId", "is required") }
        validator.range(body.limit, "limit", 1...100)
        validator.range(body.minScore, "minScore", 0...100)
        try validator.check()
        guard let jobID = body.jobId else { throw AppError.invalidField("jobId", "is required") }
        let job = try await Job.requireVisible(req, id: jobID, atLeast: .recruiter)
        let user = try await req.requireUser()
        try await req.hirebase.billing.consumeOrRefuse(.candidateMatching, userID: user.id, on: req.db)

        let pool = try await req.hirebase.candidatePools.pool(for: job.companyID, on: req.db)
        let profile = JobProfile(title: job.title, description: job.description, skills: job.skills, location: job.location, remote: job.remote)
        let results = req.hirebase.matcher.rank(job: profile, pool: pool, limit: body.limit ?? 20, minScore: body.minScore ?? 0)
        return MatchResponse(jobId: jobID.lowercased, results: results.map {
            MatchResultDTO(candidateId: $0.candidateId.lowercased, name: $0.name, score: $0.score,
                           matchedSkills: $0.matchedSkills, missingSkills: $0.missingSkills, explanation: $0.explanation)
        }, evaluated: pool.count)
    }
}
