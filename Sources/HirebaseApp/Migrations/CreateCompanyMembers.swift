import Fluent

struct CreateCompanyMembers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("company_members")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "company_id", "user_id")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "company_members_user_idx", on: "company_members", columns: ["user_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("company_members").delete()
    }
}
