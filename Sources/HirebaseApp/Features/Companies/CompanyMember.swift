import Fluent
import Foundation

/// A user's membership of a company with one role; unique per (company, user).
final class CompanyMember: Model, @unchecked Sendable {
    static let schema = "company_members"

    @ID(key: .id) var id: UUID?
    @Field(key: "company_id") var companyID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "role") var role: CompanyRole
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(companyID: UUID, userID: UUID, role: CompanyRole) {
        self.companyID = companyID
        self.userID = userID
        self.role = role
    }
}
