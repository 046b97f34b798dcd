import Vapor

extension Request {
    /// The verified caller, verifying the `Authorization: Bearer` token on first use and
    /// creating the user row on the first sight of a new `sub`.
    /// - Throws: `AppError` 401 when the header is missing or the token is not valid.
    public func requireUser() async throws -> AuthenticatedUser {
        if let user = storage[AuthenticatedUserKey.self] { return user }
        guard let token = headers.bearerToken else { throw AppError.unauthorized() }
        let services = hirebase
        let user = try await services.tokenVerifier.verify(token, now: services.clock.now())
        try await services.companies.users.recordSighting(of: user, at: services.clock.now(), on: self.db)
        storage[AuthenticatedUserKey.self] = user
        logger[metadataKey: "user-id"] = .string(user.id.lowercased)
        return user
    }

    /// The verified caller when known without waiting: kept in the request already, or its token
    /// verified before (`VerifiedTokenCache`) and its user row written (`KnownUsers`); then kept
    /// as ``requireUser()`` keeps it. `nil` when ``requireUser()`` has work to do (no token, a
    /// token not verified before, a user not recorded yet).
    func knownUser() -> AuthenticatedUser? {
        if let user = storage[AuthenticatedUserKey.self] { return user }
        guard let token = headers.bearerToken else { return nil }
        let services = hirebase
        let now = services.clock.now()
        guard let user = services.tokenVerifier.cachedUser(token, now: now),
              services.companies.users.sightingRecorded(of: user, at: now) else { return nil }
        services.tokenVerifier.countCachedHit()
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
        let role = try await hirebase.companies.requireRole(of: user, in: companyID, atLeast: minimum, notFound: what, on: db)
        return (user, role)
    }

    /// Ids of the companies the caller belongs to.
    func memberCompanyIDs(of user: AuthenticatedUser) async throws -> [UUID] {
        try await hirebase.companies.companyIDs(of: user, on: db)
    }
}
