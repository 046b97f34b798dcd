import Fluent

struct CreateUsageLedger: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("usage_counters")
            .id()
            .field("user_id", .uuid, .required)
            .field("feature", .string, .required)
            .field("period_start_us", .int64, .required)
            .field("used", .int, .required)
            .unique(on: "user_id", "feature", "period_start_us", name: "usage_counters_key")
            .ignoreExisting()
            .create()
        try await database.schema("usage_records")
            .id()
            .field("user_id", .uuid, .required)
            .field("feature", .string, .required)
            .field("idempotency_key", .string, .required)
            .field("period_start_us", .int64, .required)
            .field("quantity", .int, .required)
            .field("allowed", .bool, .required)
            .field("used", .int, .required)
            .field("created_at", .datetime)
            .unique(on: "user_id", "feature", "idempotency_key", name: "usage_records_idempotency_key")
            .ignoreExisting()
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("usage_records").delete()
        try await database.schema("usage_counters").delete()
    }
}
