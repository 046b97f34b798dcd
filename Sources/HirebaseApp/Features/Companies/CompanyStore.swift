import Fluent
import Foundation

/// Every query of companies and their memberships.
struct CompanyStore: Sendable {
    /// Creates the company and its creator's `owner` membership in one transaction.
    func create(named name: String, owner: UUID, on db: any Database) async throws -> Company {
        try await db.atomic { tx in
            let company = Company(name: name, createdBy: owner)
            try await company.create(on: tx)
            try await CompanyMember(companyID: try company.requireID(), userID: owner, role: .owner).create(on: tx)
            return company
        }
    }

    /// The company with this id.
    func find(_ id: UUID, on db: any Database) async throws -> Company? {
        try await Company.find(id, on: db)
    }

    /// The companies with these ids, by name.
    func companies(_ ids: [UUID], on db: any Database) async throws -> [Company] {
        guard !ids.isEmpty else { return [] }
        return try await Company.query(on: db).filter(\.$id ~~ ids).sort(\.$name).all()
    }

    /// The user's memberships.
    func memberships(of userID: UUID, on db: any Database) async throws -> [CompanyMember] {
        try await CompanyMember.query(on: db).filter(\.$userID == userID).all()
    }

    /// The user's membership of the company, if any.
    func membership(of userID: UUID, in companyID: UUID, on db: any Database) async throws -> CompanyMember? {
        try await CompanyMember.query(on: db).filter(\.$companyID == companyID).filter(\.$userID == userID).first()
    }

    /// Adds a membership.
    /// - Throws: `AppError` 409 when the user is a member already (the unique key refuses it).
    func addMember(_ member: CompanyMember, on db: any Database) async throws {
        do {
            try await member.create(on: db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError.conflict("That user is already a member of this company")
        }
    }
}
