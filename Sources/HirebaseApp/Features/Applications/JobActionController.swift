import Foundation
import Vapor

/// `POST /job-action` (recruiter+, CSRF): moves a job or one of its applications
/// (`ApplicationService.act` holds the rules).
struct JobActionController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("job-action", use: act)
    }

    @Sendable
    func act(req: Request) async throws -> Response {
        let input = try req.content.decode(JobActionRequest.self).validated()
        let user = try await req.requireUser()
        let applications = req.hirebase.applications
        let outcome: JobActionOutcome
        // A job's move is first tried as one statement that also checks the role; when it
        // changes nothing, the checked path finds out why (404, 403, 409) or makes the move.
        if let moved = try await applications.actInOneStatement(input, by: user, atLeast: .recruiter, on: req.db) {
            outcome = moved
        } else {
            let job = try await req.requireJob(input.jobID, atLeast: .recruiter)
            outcome = try await applications.act(input, on: job, by: user.id, on: req.db)
        }
        switch outcome.moved {
        case .application(let application):
            req.logger.info("application moved", metadata: ["application-id": .string(application.id?.lowercased ?? ""),
                                                            "from": .string(outcome.from), "to": .string(outcome.to)])
            return try await application.toDTO().encodeResponse(for: req)
        case .job(let job):
            req.logger.info("job moved", metadata: ["job-id": .string(input.jobID.lowercased), "from": .string(outcome.from), "to": .string(outcome.to)])
            return try await job.encodeResponse(for: req)
        case .movedJob(let answer):
            req.logger.info("job moved", metadata: ["job-id": .string(input.jobID.lowercased), "from": .string(outcome.from), "to": .string(outcome.to)])
            return try await answer.encodeResponse(for: req)
        }
    }
}
