import Fluent

/// `invitations.reminder_sent_at` and `invitations.reminder_token_hash` (migration 20).
///
/// A reminder is queued at most once per invitation: its queuing sets `reminder_sent_at` with a
/// conditional `UPDATE ... WHERE reminder_sent_at IS NULL`. The reminder carries a fresh link whose
/// token's SHA-256 is `reminder_token_hash`; the first link keeps working beside it (a candidate
/// may be half-way through the assessment with it). No rows change.
struct AddInvitationReminders: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.addColumnIfMissing("reminder_sent_at", type: "REAL", postgresType: "TIMESTAMPTZ", to: "invitations")
        try await database.addColumnIfMissing("reminder_token_hash", type: "TEXT", postgresType: "TEXT", to: "invitations")
    }

    func revert(on database: any Database) async throws {
        // One column per statement: SQLite drops one at a time.
        try await database.schema("invitations").deleteField("reminder_sent_at").update()
        try await database.schema("invitations").deleteField("reminder_token_hash").update()
    }
}
