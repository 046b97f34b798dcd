import Foundation
import Vapor

/// `POST /assessments`, `POST /assessments/generate` (rate class `costly`, plan feature
/// `ai_generations`), `PATCH /assessments/{id}` and `POST /assessments/{id}/publish` (recruiter+);
/// `GET /assessments?companyId=` and `GET /assessments/{id}` (members).
struct AssessmentsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let assessments = routes.grouped("assessments")
        assessments.post(use: create)
        assessments.get(use: list)
        assessments.post("generate", use: generate)
        assessments.get(":assessmentID", use: show)
        assessments.patch(":assessmentID", use: update)
        assessments.post(":assessmentID", "publish", use: publish)
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

    /// Drafts an assessment with the AI provider: validate, then membership, then the service
    /// (plan check, provider, one transaction). 201 with the draft and its `aiRunId`.
    @Sendable
    func generate(req: Request) async throws -> Response {
        let input = try req.content.decode(GenerateAssessmentRequest.self).validated()
        let (user, _) = try await req.requireMember(of: input.companyID, atLeast: .recruiter)
        let assessment = try await req.hirebase.assessmentDrafts.generate(input, by: user.id, on: req.db, logger: req.logger)
        return try await assessment.toDTO().encodeResponse(status: .created, for: req)
    }

    /// Edits a draft (recruiter+); a published assessment is 409 `assessment_published`.
    @Sendable
    func update(req: Request) async throws -> AssessmentDTO {
        let id = try req.uuidParameter("assessmentID", what: "Assessment")
        let patch = try req.content.decode(UpdateAssessmentRequest.self).validated()
        let assessment = try await req.hirebase.assessments.find(id, on: req.db)
        try await req.requireMember(of: assessment.companyID, atLeast: .recruiter, notFound: "Assessment")
        return try await req.hirebase.assessments.update(assessment, with: patch, on: req.db).toDTO()
    }

    /// Publishes a draft (recruiter+); idempotent.
    @Sendable
    func publish(req: Request) async throws -> AssessmentDTO {
        let id = try req.uuidParameter("assessmentID", what: "Assessment")
        let assessment = try await req.hirebase.assessments.find(id, on: req.db)
        try await req.requireMember(of: assessment.companyID, atLeast: .recruiter, notFound: "Assessment")
        return try await req.hirebase.assessments.publish(assessment, on: req.db).toDTO()
    }
}
