import Fluent
import Foundation
import SQLKit

/// The table `background_jobs` (migration 19): the one job queue of e-mail delivery, the
/// invitation sweeps and reminders, and the clean-ups (see `BackgroundJobStore`).
///
/// Columns: `kind`, `payload` (JSON text or null), `status` (`queued`, `running`, `done`,
/// `dead`), `attempts` and `max_attempts`, `run_at` (due time), `locked_until` and `locked_by`
/// (the lease of the worker running it), `last_error`, `unique_key` (unique when set: a periodic
/// job's period, an e-mail's outbox id), `created_at_us`, `updated_at`, `finished_at`.
///
/// Upgrading a database with e-mails still queued in `outbox_emails` (they were delivered by a
/// polling loop before) gives each of them its delivery job, due at once, so none is lost.
/// Safe to run again (`IF NOT EXISTS`, and the jobs are keyed by their e-mail).
struct CreateBackgroundJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("background_jobs")
            .id()
            .field("kind", .string, .required)
            .field("payload", .string)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("run_at", .datetime, .required)
            .field("locked_until", .datetime)
            .field("locked_by", .string)
            .field("last_error", .string)
            .field("unique_key", .string)
            .field("created_at_us", .int64, .required)
            .field("updated_at", .datetime, .required)
            .field("finished_at", .datetime)
            .ignoreExisting()
            .create()
        let sql = try database.sql
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS background_jobs_unique_key_idx ON background_jobs (unique_key)").run()
        try await database.createIndex(named: "background_jobs_due_idx", on: "background_jobs", columns: ["status", "run_at"])
        try await database.createIndex(named: "background_jobs_lease_idx", on: "background_jobs", columns: ["status", "locked_until"])

        // E-mails queued by the earlier code: one delivery job each (their attempts so far count).
        let queued = try await sql.raw("""
            SELECT id, attempts, next_attempt_at FROM outbox_emails WHERE status = 'queued'
            """).all()
        let now = Date()
        for row in queued {
            let id = try row.decode(column: "id", as: UUID.self)
            let attempts = try row.decode(column: "attempts", as: Int.self)
            let due = try row.decode(column: "next_attempt_at", as: Date.self)
            try await sql.raw("""
                INSERT INTO background_jobs (id, kind, payload, status, attempts, max_attempts, run_at, unique_key, created_at_us, updated_at)
                VALUES (\(bind: UUID()), 'email.deliver', \(bind: #"{"outboxId":""# + id.uuidString.lowercased() + #""}"#), 'queued',
                        \(bind: attempts), \(bind: max(attempts + 1, 6)), \(bind: due), \(bind: "email:" + id.uuidString.lowercased()),
                        \(bind: Int64(now.timeIntervalSince1970 * 1_000_000)), \(bind: now))
                ON CONFLICT (unique_key) DO NOTHING
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("background_jobs").delete()
    }
}
