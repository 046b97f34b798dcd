import Fluent
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
        let input = try req.content.decode(JobInput.self)
        var validator = FieldValidator()
        if input.companyId == nil { validator.fail("companyId", "is required") }
        let title = validator.text(input.title, "title")
        let description = validator.text(input.description, "description", maxLength: 50_000)
        let skills = validator.skills(input.skills)
        let location = validator.text(input.location, "location", required: false)
        let employmentType = validator.employmentType(input.employmentType)
        let salary = validator.salary(input.salary)
        try validator.check()
        guard let companyID = input.companyId else { throw AppError.invalidField("companyId", "is required") }
        let (user, _) = try await req.requireMember(of: companyID, atLeast: .recruiter)
        let job = Job.draft(companyID: companyID, title: title, description: description, skills: skills, location: location.isEmpty ? nil : location,
                            remote: input.remote ?? false, employmentType: employmentType, salary: salary, sourceURL: nil, createdBy: user.id)
        try await job.create(on: req.db)
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
        var builder = Job.query(on: req.db).filter(\.$companyID == companyID)
        if let status { builder = builder.filter(\.$status == status) }
        let (items, next) = try await builder.page(page)
        return Page(items: items.map { $0.toDTO() }, nextCursor: next)
    }

    @Sendable
    func show(req: Request) async throws -> JobDTO {
        try await Job.requireVisible(req, atLeast: .viewer).toDTO()
    }

    @Sendable
    func update(req: Request) async throws -> JobDTO {
        let input = try req.content.decode(JobInput.self)
        var validator = FieldValidator()
        if input.companyId != nil { validator.fail("companyId", "cannot be changed") }
        let title = input.title.map { _ in validator.text(input.title, "title") }
        let description = input.description.map { _ in validator.text(input.description, "description", maxLength: 50_000) }
        let skills = input.skills.map { validator.skills($0) }
        let location = input.location.map { _ in validator.text(input.location, "location", required: false) }
        let employmentType = validator.employmentType(input.employmentType)
        let salary = validator.salary(input.salary)
        try validator.check()
        let job = try await Job.requireVisible(req, atLeast: .recruiter)
        if let title { job.title = title }
        if let description { job.description = description }
        if let skills { job.skills = skills }
        if let location { job.location = location.isEmpty ? nil : location }
        if let remote = input.remote { job.remote = remote }
        if let employmentType { job.employmentType = employmentType }
        if let salary { job.salary = salary }
        try await job.update(on: req.db)
        return job.toDTO()
    }
}

extension Job {
    /// A new draft job.
    static func draft(companyID: UUID, title: String, description: String, skills: [String], location: String?, remote: Bool,
                      employmentType: String?, salary: Salary?, sourceURL: String?, createdBy: UUID, now: Date = Date()) -> Job {
        let job = Job()
        job.companyID = companyID
        job.title = title
        job.description = description
        job.skills = skills
        job.location = location
        job.remote = remote
        job.employmentType = employmentType
        job.salary = salary
        job.status = .draft
        job.sourceURL = sourceURL
        job.history = JSONList(items: [StageChange(at: now.wholeSeconds, actorId: createdBy, from: nil, to: JobStatus.draft.rawValue)])
        job.version = 0
        job.createdBy = createdBy
        job.createdAtMicros = now.microsecondsSince1970
        return job
    }

    /// The job named by the `jobID` path parameter, if the caller may see it with `role`.
    /// - Throws: 404 when missing or not the caller's company; 403 for too small a role.
    static func requireVisible(_ req: Request, atLeast role: CompanyRole, parameter: String = "jobID") async throws -> Job {
        let id = try req.uuidParameter(parameter, what: "Job")
        return try await requireVisible(req, id: id, atLeast: role)
    }

    static func requireVisible(_ req: Request, id: UUID, atLeast role: CompanyRole) async throws -> Job {
        guard let job = try await Job.find(id, on: req.db) else { throw AppError.notFound("Job") }
        try await req.requireMember(of: job.companyID, atLeast: role, notFound: "Job")
        return job
    }
}
