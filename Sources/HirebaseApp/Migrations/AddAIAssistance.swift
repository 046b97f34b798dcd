import Fluent

/// The schema of AI assistance (migration 21, issue 12; `API.md` § AI assistance).
///
/// - `assessments.status`: `draft` (made by `POST /assessments/generate`, not yet sendable) or
///   `published`. Every assessment made before this migration was sendable, so existing rows and
///   rows inserted without the column are `published`.
/// - `assessments.ai_run_id`: the AI run that drafted the assessment (`nil` when typed in).
/// - `invitations.grading`: `pending`, `done` or `failed` while or after free-text questions are
///   graded by the provider; `nil` when the submission needs no AI grading.
/// - `invitations.question_grades`: `{"items": [QuestionGrade]}`, one entry per question graded
///   outside the server's key comparison (by the provider or by a member).
/// - The table `ai_runs`: one row per provider call (see `AIRun`), listed per company, newest first.
///   It holds no candidate name or e-mail and no prompt or answer text.
///
/// Safe to run again (`IF NOT EXISTS` throughout).
struct AddAIAssistance: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.addColumnIfMissing("status", type: "TEXT NOT NULL DEFAULT 'published'",
                                              postgresType: "TEXT NOT NULL DEFAULT 'published'", to: "assessments")
        try await database.addColumnIfMissing("ai_run_id", type: "UUID", postgresType: "UUID", to: "assessments")
        try await database.addColumnIfMissing("grading", type: "TEXT", postgresType: "TEXT", to: "invitations")
        try await database.addColumnIfMissing("question_grades", type: "JSON", postgresType: "JSONB", to: "invitations")
        try await database.schema("ai_runs")
            .id()
            .field("company_id", .uuid, .required, .references("companies", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("model", .string, .required)
            .field("prompt_version", .string, .required)
            .field("input_tokens", .int, .required)
            .field("output_tokens", .int, .required)
            .field("duration_ms", .int, .required)
            .field("outcome", .string, .required)
            .field("subject_id", .uuid)
            .field("created_by", .uuid)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "ai_runs_company_idx", on: "ai_runs", columns: ["company_id", "created_at_us"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("ai_runs").delete()
        // One column per statement: SQLite drops one at a time.
        try await database.schema("invitations").deleteField("question_grades").update()
        try await database.schema("invitations").deleteField("grading").update()
        try await database.schema("assessments").deleteField("ai_run_id").update()
        try await database.schema("assessments").deleteField("status").update()
    }
}
