import Fluent

/// The index `candidates (company_id, updated_at, id)` (migration 18), for matching's change checks.
///
/// A prepared candidate pool is kept up to date by asking, on every match, which of the company's
/// candidates changed since the pool was last brought up to date (`updated_at` at or after a
/// watermark) and how many there are, and, when that count shows a deletion, every id. Without
/// this index each reads every row of the company, résumés included (some 200 MB at 100,000
/// candidates); with it they read a short range of the index, or count or list its entries, without
/// touching the table (`id` is in the index for that). Safe to run again (`IF NOT EXISTS`); no
/// rows change.
struct AddCandidateChangeIndex: AsyncMigration {
    static let indexName = "candidates_company_updated_idx"

    func prepare(on database: any Database) async throws {
        try await database.createIndex(named: Self.indexName, on: "candidates", columns: ["company_id", "updated_at", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS \(ident: Self.indexName)").run()
    }
}
