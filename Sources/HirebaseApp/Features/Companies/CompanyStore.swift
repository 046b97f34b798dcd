import Fluent
import Foundation
import SQLKit

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

    /// The user's role in the company; `nil` when not a member. One column through SQLKit: the
    /// check runs on every company-scoped call, and decoding a whole model reflects over it.
    func role(of userID: UUID, in companyID: UUID, on db: any Database) async throws -> CompanyRole? {
        let role = CompanyMember.column(\.$role)
        let row = try await db.sql.select().column(role).from(CompanyMember.schema)
            .where(CompanyMember.column(\.$companyID), .equal, SQLBind(companyID))
            .where(CompanyMember.column(\.$userID), .equal, SQLBind(userID))
            .first()
        return try row.map { try $0.decode(column: role.string, as: CompanyRole.self) }
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
