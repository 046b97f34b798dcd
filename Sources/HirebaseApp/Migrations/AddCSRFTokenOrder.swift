import Fluent

/// `csrf_tokens.created_at_us` and an index on (user, unused, age), for the per-user cap of
/// live tokens (issue 7 § 9).
struct AddCSRFTokenOrder: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.addColumnIfMissing("created_at_us", type: "BIGINT", postgresType: "BIGINT", to: "csrf_tokens")
        try await database.createIndex(named: "csrf_tokens_user_age_idx", on: "csrf_tokens", columns: ["user_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("csrf_tokens").deleteField("created_at_us").update()
    }
}
