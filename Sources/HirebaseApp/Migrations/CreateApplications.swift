import Fluent

struct CreateApplications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("applications")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("job_id", .uuid, .required, .references("jobs", "id", onDelete: .cascade))
            .field("candidate_id", .uuid, .required, .references("candidates", "id", onDelete: .cascade))
            .field("stage", .string, .required)
            .field("rejected_from", .string)
            .field("history", .json, .required)
            .field("version", .int, .required)
            .field("created_by", .uuid, .required)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "job_id", "candidate_id", name: "applications_job_candidate_key")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "applications_job_page_idx", on: "applications", columns: ["job_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("applications").delete()
    }
}
