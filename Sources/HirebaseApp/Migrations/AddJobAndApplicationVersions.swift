import Fluent

/// `jobs.version` and `applications.version` in databases made by the first release (migration 16).
///
/// Commit cfe42c8 added both columns to the landed `CreateJobs` and `CreateApplications` instead
/// of in a migration of their own. Those create their tables with `ignoreExisting()`, so a database
/// made before that commit kept tables without the column, and every read or move of a job or an
/// application failed on it. This adds the column where it is missing and leaves the tables of
/// newer databases as they are.
///
/// Existing rows get version 0, the version `POST /jobs` and `POST /jobs/{id}/applications` give
/// a new row: a record that never moved has version 0. The default stays on the column, so that
/// an instance still running the older code during a rolling deploy can keep inserting rows
/// without the column.
struct AddJobAndApplicationVersions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.addRequiredIntegerColumnIfMissing("version", default: 0, to: "jobs")
        try await database.addRequiredIntegerColumnIfMissing("version", default: 0, to: "applications")
    }

    /// Leaves the columns: in a database made after cfe42c8 they belong to `CreateJobs` and
    /// `CreateApplications`, and this migration cannot tell which kind of database it is in.
    func revert(on database: any Database) async throws {}
}
