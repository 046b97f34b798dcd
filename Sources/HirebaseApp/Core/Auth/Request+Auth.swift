import Fluent
import SQLKit
import Vapor

extension Request {
    /// The verified caller, verifying the `Authorization: Bearer` token on first use and
    /// creating the user row on the first sight of a new `sub`.
    /// - Throws: `AppError` 401 when the header is missing or the token is not valid.
    public func requireUser() async throws -> AuthenticatedUser {
        if let user = storage[AuthenticatedUserKey.self] { return user }
        guard let bearer = headers.bearerAuthorization else { throw AppError.unauthorized() }
        let user = try await hirebase.tokenVerifier.verify(bearer.token)
        try await UserDirectory.recordSighting(of: user, on: db)
        storage[AuthenticatedUserKey.self] = user
        logger[metadataKey: "user-id"] = .string(user.id.lowercased)
        return user
    }

    /// The caller's role in a company, checked against the least role the action needs.
    ///
    /// Platform admins act as owners everywhere.
    /// - Returns: the caller and their effective role.
    /// - Throws: `AppError` 404 (`what` not found) when the caller is not a member — they may not
    ///   learn that the company exists — and 403 when they are a member with too small a role.
    @discardableResult
    public func requireMember(of companyID: UUID, atLeast minimum: CompanyRole, notFound what: String = "Company") async throws -> (AuthenticatedUser, CompanyRole) {
        let user = try await requireUser()
        if user.isPlatformAdmin {
            guard try await Company.find(companyID, on: db) != nil else { throw AppError.notFound(what) }
            return (user, .owner)
        }
        guard let membership = try await CompanyMember.query(on: db)
            .filter(\.$companyID == companyID).filter(\.$userID == user.id).first() else {
            throw AppError.notFound(what)
        }
        guard membership.role >= minimum else {
            throw AppError.forbidden("This needs the \(minimum.rawValue) role or higher in the company; you are \(membership.role.rawValue)")
        }
        return (user, membership.role)
    }

    /// Ids of the companies the caller belongs to.
    func memberCompanyIDs(of user: AuthenticatedUser) async throws -> [UUID] {
        try await CompanyMember.query(on: db).filter(\.$userID == user.id).all().map(\.companyID)
    }
}

/// Keeps the `users` table in step with the tokens seen.
enum UserDirectory {
    /// Inserts the user on first sight (ignoring a concurrent insert of the same id) and
    /// refreshes the stored e-mail when the token carries a different one.
    static func recordSighting(of user: AuthenticatedUser, on db: any Database) async throws {
        if let existing = try await User.find(user.id, on: db) {
            if let email = user.email, existing.email != email {
                existing.email = email
                try await existing.update(on: db)
            }
            return
        }
        let now = Date()
        try await db.sql.insert(into: User.schema)
            .columns("id", "email", "created_at", "updated_at")
            .values(SQLBind(user.id), SQLBind(user.email), SQLBind(now), SQLBind(now))
            .ignoringConflicts(with: ["id"])
            .run()
    }
}
