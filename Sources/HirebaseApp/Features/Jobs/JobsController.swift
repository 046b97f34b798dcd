import Foundation
import Vapor

/// `POST /jobs`, `GET /jobs?companyId=&status=`, `GET /jobs/{id}`, `PATCH /jobs/{id}`.
struct JobsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let jobs = routes.grouped("jobs")
        jobs.post(use: create)
        jobs.get(use: list)
        jobs.get(":jobID", use: show)
        jobs.patch(":jobID", use: update)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let new = try req.content.decode(JobInput.self).validatedNew()
        let (user, _) = try await req.requireMember(of: new.companyID, atLeast: .recruiter)
        let job = try await req.hirebase.jobs.create(new, createdBy: user.id, on: req.db)
        return try await job.toDTO().encodeResponse(status: .created, for: req)
    }

    struct ListQuery: Content {
        var companyId: UUID?
        var status: String?
        var limit: Int?
        var cursor: String?
    }

    @Sendable
    func list(req: Request) async throws -> Page<JobDTO> {
        let query = try req.query.decode(ListQuery.self)
        let page = try PageRequest(limit: query.limit, cursor: query.cursor)
        guard let companyID = query.companyId else { throw AppError.invalidField("companyId", "is required") }
        var status: JobStatus?
        if let raw = query.status {
            guard let parsed = JobStatus(rawValue: raw) else {
                throw AppError.invalidField("status", "must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        try await req.requireMember(of: companyID, atLeast: .viewer)
        let (items, next) = try await req.hirebase.jobs.list(companyID: companyID, status: status, page: page, on: req.db)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }

    @Sendable
    func show(req: Request) async throws -> JobDTO {
        try await req.requireJob(atLeast: .viewer).toDTO()
    }

    @Sendable
    func update(req: Request) async throws -> JobDTO {
        let patch = try req.content.decode(JobInput.self).validatedPatch()
        let job = try await req.requireJob(atLeast: .recruiter)
        return try await req.hirebase.jobs.update(job, with: patch, on: req.db).toDTO()
    }
}
