import Foundation
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
        let input = try req.content.decode(MatchRequest.self).validated()
        let job = try await req.requireJob(input.jobID, atLeast: .recruiter)
        let user = try await req.requireUser()
        let (results, evaluated) = try await req.hirebase.matching.match(input, job: job, by: user.id, pools: req.hirebase.candidatePools,
                                                                         metering: req.hirebase.billing, on: req.db)
        return MatchResponse(jobId: input.jobID.lowercased, results: results.map {
            MatchResultDTO(candidateId: $0.candidateId.lowercased, name: $0.name, score: $0.score,
                           matchedSkills: $0.matchedSkills, missingSkills: $0.missingSkills, explanation: $0.explanation)
        }, evaluated: evaluated)
    }
}

extension MatchController.MatchRequest {
    /// The request after its rules are checked: a `jobId`, `limit` within 1...100 (default 20),
    /// `minScore` within 0...100 (default 0).
    /// - Throws: `AppError` 400 listing every invalid field.
    func validated() throws -> MatchInput {
        var validator = FieldValidator()
        if jobId == nil { validator.fail("jobId", "is required") }
        validator.range(limit, "limit", 1...100)
        validator.range(minScore, "minScore", 0...100)
        try validator.check()
        guard let jobId else { throw AppError.invalidField("jobId", "is required") }
        return MatchInput(jobID: jobId, limit: limit ?? 20, minScore: minScore ?? 0)
    }
}
