import Fluent

struct CreateCandidates: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("candidates")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("email", .string, .required)
            .field("email_key", .string, .required)
            .field("name", .string, .required)
            .field("headline", .string)
            .field("skills", .json, .required)
            .field("years_experience", .double)
            .field("location", .string)
            .field("resume_text", .string)
            .field("created_by", .uuid, .required)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "company_id", "email_key", name: "candidates_company_email_key")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "candidates_company_page_idx", on: "candidates", columns: ["company_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("candidates").delete()
    }
}
