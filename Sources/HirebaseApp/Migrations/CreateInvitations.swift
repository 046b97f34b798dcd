import Fluent

struct CreateInvitations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("invitations")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("assessment_id", .uuid, .required, .references("assessments", "id", onDelete: .cascade))
            .field("job_id", .uuid)
            .field("candidate_email", .string, .required)
            .field("candidate_name", .string)
            .field("status", .string, .required)
            .field("token_hash", .string, .required)
            .field("open_key", .string)
            .field("expires_at", .datetime, .required)
            .field("opened_at", .datetime)
            .field("completed_at", .datetime)
            .field("cancelled_at", .datetime)
            .field("score", .int)
            .field("raw_score", .double)
            .field("max_score", .double)
            .field("passed", .bool)
            .field("graded_by", .string)
            .field("answers", .json)
            .field("created_by", .uuid, .required)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "open_key", name: "invitations_open_key_key")
            .unique(on: "token_hash", name: "invitations_token_hash_key")
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "invitations_company_page_idx", on: "invitations", columns: ["company_id", "created_at_us"])
        try await database.createIndex(named: "invitations_status_expiry_idx", on: "invitations", columns: ["status", "expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("invitations").delete()
    }
}
