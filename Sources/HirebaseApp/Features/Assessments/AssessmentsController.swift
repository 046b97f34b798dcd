import Foundation
import Vapor

/// `POST /assessments` (recruiter+), `GET /assessments?companyId=` and `GET /assessments/{id}` (members).
struct AssessmentsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let assessments = routes.grouped("assessments")
        assessments.post(use: create)
        assessments.get(use: list)
        assessments.get(":assessmentID", use: show)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let new = try req.content.decode(CreateAssessmentRequest.self).validated()
        let (user, _) = try await req.requireMember(of: new.companyID, atLeast: .recruiter)
        let assessment = try await req.hirebase.assessments.create(new, createdBy: user.id, on: req.db)
        return try await assessment.toDTO().encodeResponse(status: .created, for: req)
    }

    struct ListQuery: Content {
        var companyId: UUID?
        var limit: Int?
        var cursor: String?
    }

    @Sendable
    func list(req: Request) async throws -> Page<AssessmentDTO> {
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        guard let companyID = query.companyId else { throw AppError.invalidField("companyId", "is required") }
        try await req.requireMember(of: companyID, atLeast: .viewer)
        let (items, next) = try await req.hirebase.assessments.list(companyID: companyID, page: page, on: req.db)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }

    @Sendable
    func show(req: Request) async throws -> AssessmentDTO {
        let id = try req.uuidParameter("assessmentID", what: "Assessment")
        let assessment = try await req.hirebase.assessments.find(id, on: req.db)
        try await req.requireMember(of: assessment.companyID, atLeast: .viewer, notFound: "Assessment")
        return assessment.toDTO()
    }
}
