import Vapor

/// `POST /companies`, `GET /companies` (the caller's), `GET /companies/{id}` and
/// `POST /companies/{id}/members` (owner/admin).
struct CompaniesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let companies = routes.grouped("companies")
        companies.post(use: create)
        companies.get(use: list)
        companies.get(":companyID", use: show)
        companies.post(":companyID", "members", use: addMember)
    }

    @Sendable
    func create(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let body = try req.content.decode(CreateCompanyRequest.self)
        var validator = FieldValidator()
        let name = validator.text(body.name, "name")
        try validator.check()
        let company = try await req.hirebase.companies.create(named: name, by: user, on: req.db)
        return try await company.toDTO(role: .owner).encodeResponse(status: .created, for: req)
    }

    @Sendable
    func list(req: Request) async throws -> [CompanyDTO] {
        let user = try await req.requireUser()
        return try await req.hirebase.companies.companies(of: user, on: req.db).map { company, role in company.toDTO(role: role) }
    }

    @Sendable
    func show(req: Request) async throws -> CompanyDTO {
        let companyID = try req.uuidParameter("companyID")
        let (_, role) = try await req.requireMember(of: companyID, atLeast: .viewer)
        return try await req.hirebase.companies.company(companyID, on: req.db).toDTO(role: role)
    }

    @Sendable
    func addMember(req: Request) async throws -> Response {
        let companyID = try req.uuidParameter("companyID")
        let (_, callerRole) = try await req.requireMember(of: companyID, atLeast: .admin)
        let input = try Self.newMember(try req.content.decode(AddMemberRequest.self))
        let (member, user) = try await req.hirebase.companies.addMember(input, to: companyID, callerRole: callerRole, on: req.db)
        return try await member.toDTO(email: user.email).encodeResponse(status: .created, for: req)
    }

    /// Validates `POST /companies/{id}/members`: exactly one of `userId` or `email`, and a role.
    /// - Throws: 400 naming every bad field.
    static func newMember(_ body: AddMemberRequest) throws -> NewMember {
        var validator = FieldValidator()
        let role = body.role.flatMap(CompanyRole.init(rawValue:))
        if role == nil { validator.fail("role", "must be one of owner, admin, recruiter, viewer") }
        var target: NewMember.Target?
        switch (body.userId, body.email) {
        case (nil, nil): validator.fail("userId", "userId or email is required")
        case (.some, .some): validator.fail("email", "give userId or email, not both")
        case (let id?, nil): target = .userID(id)
        case (nil, let raw?): target = validator.email(raw, "email").map(NewMember.Target.email)
        }
        try validator.check()
        guard let role, let target else { throw AppError.invalidField("role", "is required") }
        return NewMember(target: target, role: role)
    }
}
