import Fluent
import Foundation

/// A hiring company; its data is visible only to its members.
final class Company: Model, @unchecked Sendable {
    static let schema = "companies"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "created_by") var createdBy: UUID
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(id: UUID? = nil, name: String, createdBy: UUID) {
        self.id = id
        self.name = name
        self.createdBy = createdBy
    }
}
