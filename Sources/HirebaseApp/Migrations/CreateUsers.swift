import Fluent

struct CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("id", .uuid, .identifier(auto: false))
            .field("email", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "users_email_idx", on: "users", columns: ["email"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").delete()
    }
}
