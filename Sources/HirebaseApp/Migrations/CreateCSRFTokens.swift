import Fluent

struct CreateCSRFTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("csrf_tokens")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash", name: "csrf_tokens_token_hash_key")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "csrf_tokens_expiry_idx", on: "csrf_tokens", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("csrf_tokens").delete()
    }
}
