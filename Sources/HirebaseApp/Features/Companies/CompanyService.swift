import Fluent
import Foundation

/// A membership to add: who, and with which role (validated by the controller).
struct NewMember: Sendable {
    /// How the member is named in the request.
    enum Target: Sendable {
        case userID(UUID)
        /// A normalized e-mail address (`FieldValidator.email`).
        case email(String)
    }

    var target: Target
    var role: CompanyRole
}

/// Companies and their members (`API.md` § Companies).
struct CompanyService: Sendable {
    let store: CompanyStore
    let users: UserStore

    /// Creates a company with the caller as its owner.
    func create(named name: String, by user: AuthenticatedUser, on db: any Database) async throws -> Company {
        try await store.create(named: name, owner: user.id, on: db)
    }

    /// The caller's companies, by name, with the caller's role in each.
    func companies(of user: AuthenticatedUser, on db: any Database) async throws -> [(Company, CompanyRole)] {
        let memberships = try await store.memberships(of: user.id, on: db)
        let roles = Dictionary(memberships.map { ($0.companyID, $0.role) }, uniquingKeysWith: { first, _ in first })
        return try await store.companies(Array(roles.keys), on: db).compactMap { company in
            company.id.flatMap { roles[$0] }.map { (company, $0) }
        }
    }

    /// One company.
    /// - Throws: 404 when it does not exist.
    func company(_ id: UUID, on db: any Database) async throws -> Company {
        guard let company = try await store.find(id, on: db) else { throw AppError.notFound("Company") }
        return company
    }

    /// Adds a user who has signed in once to the company.
    /// - Parameter callerRole: the caller's role (only an owner adds an owner).
    /// - Returns: the membership and the member's stored e-mail.
    /// - Throws: 403 when a non-owner adds an owner, 404 when no such user has signed in, 409
    ///   when they are a member already.
    func addMember(_ input: NewMember, to companyID: UUID, callerRole: CompanyRole, on db: any Database) async throws -> (CompanyMember, User) {
        if input.role == .owner, callerRole != .owner {
            throw AppError.forbidden("Only an owner can add another owner")
        }
        let target: User?
        switch input.target {
        case .userID(let id): target = try await users.find(id, on: db)
        case .email(let email): target = try await users.find(emailKey: EmailLookupKey.of(email), on: db)
        }
        guard let target, let targetID = target.id else {
            throw AppError(.notFound, detail: "No such user: they must sign in once before they can be added")
        }
        let member = CompanyMember(companyID: companyID, userID: targetID, role: input.role)
        try await store.addMember(member, on: db)
        return (member, target)
    }

    /// The caller's role in the company, checked against the least role an action needs.
    /// Platform admins act as owners everywhere.
    /// - Throws: 404 (`what` not found) when the caller is not a member — they may not learn that
    ///   the company exists — and 403 when they are a member with too small a role.
    func requireRole(of user: AuthenticatedUser, in companyID: UUID, atLeast minimum: CompanyRole, notFound what: String,
                     on db: any Database) async throws -> CompanyRole {
        if user.isPlatformAdmin {
            guard try await store.find(companyID, on: db) != nil else { throw AppError.notFound(what) }
            return .owner
        }
        guard let role = try await store.role(of: user.id, in: companyID, on: db) else {
            throw AppError.notFound(what)
        }
        guard role >= minimum else {
            throw AppError.forbidden("This needs the \(minimum.rawValue) role or higher in the company; you are \(role.rawValue)")
        }
        return role
    }

    /// Ids of the companies the user belongs to.
    func companyIDs(of user: AuthenticatedUser, on db: any Database) async throws -> [UUID] {
        try await store.memberships(of: user.id, on: db).map(\.companyID)
    }
}
