import Fluent
import SQLKit

/// An index on `invitations (company_id, status, expires_at)` (migration 17): the expiry check a
/// list of invitations runs over the caller's companies reads only overdue rows.
///
/// Before it, SQLite answered `company_id IN (...) AND status IN (...) AND expires_at <= now` with
/// the `(company_id, created_at_us)` page index and read every invitation of the company (200,000
/// in `scripts/bench/run`, where no list call finished in 10 s).
struct AddInvitationCompanyExpiryIndex: AsyncMigration {
    static let indexName = "invitations_company_expiry_idx"

    func prepare(on database: any Database) async throws {
        try await database.createIndex(named: Self.indexName, on: "invitations", columns: ["company_id", "status", "expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS \(ident: Self.indexName)").run()
    }
}
