import EmailValidation
import Fluent
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
        let company = try await req.db.atomic { db in
            let company = Company(name: name, createdBy: user.id)
            try await company.create(on: db)
            try await CompanyMember(companyID: try company.requireID(), userID: user.id, role: .owner).create(on: db)
            return company
        }
        return try await company.toDTO(role: .owner).encodeResponse(status: .created, for: req)
    }

    @Sendable
    func list(req: Request) async throws -> [CompanyDTO] {
        let user = try await req.requireUser()
        let memberships = try await CompanyMember.query(on: req.db).filter(\.$userID == user.id).all()
        let roles = Dictionary(memberships.map { ($0.companyID, $0.role) }, uniquingKeysWith: { first, _ in first })
        guard !roles.isEmpty else { return [] }
        return try await Company.query(on: req.db).filter(\.$id ~~ Array(roles.keys)).sort(\.$name).all()
            .map { $0.toDTO(role: roles[$0.id ?? UUID()]) }
    }

    @Sendable
    func show(req: Request) async throws -> CompanyDTO {
        let companyID = try req.uuidParameter("companyID")
        let (_, role) = try await req.requireMember(of: companyID, atLeast: .viewer)
        guard let company = try await Company.find(companyID, on: req.db) else { throw AppError.notFound("Company") }
        return company.toDTO(role: role)
    }

    @Sendable
    func addMember(req: Request) async throws -> Response {
        let companyID = try req.uuidParameter("companyID")
        let (_, callerRole) = try await req.requireMember(of: companyID, atLeast: .admin)
        let body = try req.content.decode(AddMemberRequest.self)
        var validator = FieldValidator()
        let role = body.role.flatMap(CompanyRole.init(rawValue:))
        if role == nil { validator.fail("role", "must be one of owner, admin, recruiter, viewer") }
        switch (body.userId, body.email) {
        case (nil, nil): validator.fail("userId", "userId or email is required")
        case (.some, .some): validator.fail("email", "give userId or email, not both")
        default: break
        }
        try validator.check()
        guard let role else { throw AppError.invalidField("role", "is required") }
        if role == .owner, callerRole != .owner {
            throw AppError.forbidden("Only an owner can add another owner")
        }
        let target: User?
        if let userID = body.userId {
            target = try await User.find(userID, on: req.db)
        } else {
            let raw = (body.email ?? "").trimmingCharacters(in: .whitespaces)
            let email: String
            do throws(EmailAddressError) {
                email = try EmailAddressValidator().validate(raw).normalized.lowercased()
            } catch {
                throw AppError.invalidField("email", error.message)
            }
            target = try await User.query(on: req.db).filter(\.$email == email).first()
        }
        guard let target, let targetID = target.id else {
            throw AppError.notFound("User (they must sign in once before being added)")
        }
        let member = CompanyMember(companyID: companyID, userID: targetID, role: role)
        do {
            try await member.create(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError.conflict("That user is already a member of this company")
        }
        let dto = MemberDTO(companyId: companyID.lowercased, userId: targetID.lowercased, email: target.email, role: role.rawValue, createdAt: member.createdAt)
        return try await dto.encodeResponse(status: .created, for: req)
    }
}
