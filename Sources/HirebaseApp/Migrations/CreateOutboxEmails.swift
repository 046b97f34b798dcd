import Fluent

struct CreateOutboxEmails: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_emails")
            .id()
            .field("invitation_id", .uuid, .references("invitations", "id", onDelete: .setNull))
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("text_body", .string)
            .field("html_body", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("locked_until", .datetime)
            .field("last_error", .string)
            .field("provider_message_id", .string)
            .field("sent_at", .datetime)
            .field("created_at_us", .int64, .required)
            .field("created_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "outbox_emails_due_idx", on: "outbox_emails", columns: ["status", "next_attempt_at"])
        try await database.createIndex(named: "outbox_emails_invitation_idx", on: "outbox_emails", columns: ["invitation_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox_emails").delete()
    }
}
