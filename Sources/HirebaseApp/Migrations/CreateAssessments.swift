import Fluent

struct CreateAssessments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("assessments")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("passing_score", .int)
            .field("time_limit_minutes", .int)
            .field("questions", .json, .required)
            .field("created_by", .uuid, .required)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "assessments_company_idx", on: "assessments", columns: ["company_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assessments").delete()
    }
}
