import Fluent
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
        let job = try await Job.requireVisible(req, atLeast: .recruiter)
        let user = try await req.requireUser()
        guard let candidate = try await Candidate.find(candidateID, on: req.db), candidate.companyID == job.companyID else {
            throw AppError.notFound("Candidate")
        }
        if job.status == .archived {
            throw AppError.conflict("The job is archived", code: "invalid_state_transition")
        }
        let now = Date()
        let application = JobApplication()
        application.companyID = job.companyID
        application.jobID = try job.requireID()
        application.candidateID = try candidate.requireID()
        application.stage = .applied
        application.history = JSONList(items: [StageChange(at: now.wholeSeconds, actorId: user.id, from: nil, to: ApplicationStage.applied.rawValue)])
        application.createdBy = user.id
        application.version = 0
        application.createdAtMicros = now.microsecondsSince1970
        do {
            try await application.create(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            let existing = try await JobApplication.query(on: req.db).filter(\.$jobID == application.jobID)
                .filter(\.$candidateID == candidateID).first()
            throw AppError.conflict("This candidate already applied to this job", extra: existing?.id.map { ["existingId": $0.lowercased] } ?? [:])
        }
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
        let job = try await Job.requireVisible(req, atLeast: .viewer)
        var builder = JobApplication.query(on: req.db).filter(\.$jobID == (try job.requireID()))
        if let stage { builder = builder.filter(\.$stage == stage) }
        let (items, next) = try await builder.page(page)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }
}
