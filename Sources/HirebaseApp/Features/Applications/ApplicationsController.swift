import Foundation
import Vapor

/// `POST /jobs/{id}/applications` (recruiter+) and `GET /jobs/{id}/applications` (members).
struct ApplicationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let applications = routes.grouped("jobs", ":jobID", "applications")
        applications.post(use: create)
        applications.get(use: list)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let body = try req.content.decode(CreateApplicationRequest.self)
        guard let candidateID = body.candidateId else { throw AppError.invalidField("candidateId", "is required") }
        let job = try await req.requireJob(atLeast: .recruiter)
        let user = try await req.requireUser()
        let application = try await req.hirebase.applications.apply(candidateID: candidateID, to: job, by: user.id, on: req.db)
        return try await application.toDTO().encodeResponse(status: .created, for: req)
    }

    struct ListQuery: Content {
        var stage: String?
        var limit: Int?
        var cursor: String?
    }

    @Sendable
    func list(req: Request) async throws -> Page<ApplicationDTO> {
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        var stage: ApplicationStage?
        if let raw = query.stage {
            guard let parsed = ApplicationStage(rawValue: raw) else {
                throw AppError.invalidField("stage", "must be one of \(ApplicationStage.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            stage = parsed
        }
        let job = try await req.requireJob(atLeast: .viewer)
        let (items, next) = try await req.hirebase.applications.list(of: job, stage: stage, page: page, on: req.db)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }
}
