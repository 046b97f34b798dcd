import Fluent

/// `rate_limit_buckets`: one GCRA bucket per rate class and caller (see `RateLimitStore`).
struct CreateRateLimitBuckets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets")
            .field("bucket_key", .string, .required)
            .field("tat_us", .int64, .required)
            .unique(on: "bucket_key", name: "rate_limit_buckets_key")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "rate_limit_buckets_tat_idx", on: "rate_limit_buckets", columns: ["tat_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_buckets").delete()
    }
}
