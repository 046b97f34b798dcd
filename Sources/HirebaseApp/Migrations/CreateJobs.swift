import Fluent

struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("description", .string, .required)
            .field("skills", .json, .required)
            .field("location", .string)
            .field("remote", .bool, .required)
            .field("employment_type", .string)
            .field("salary", .json)
            .field("status", .string, .required)
            .field("source_url", .string)
            .field("history", .json, .required)
            .field("version", .int, .required)
            .field("created_by", .uuid, .required)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "jobs_company_page_idx", on: "jobs", columns: ["company_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}
