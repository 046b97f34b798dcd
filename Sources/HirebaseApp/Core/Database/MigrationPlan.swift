import Fluent

/// Every schema change, in the order it is applied: the place where a new migration is listed.
///
/// Everything under `Migrations/` is append-only: once a file there has landed it is never edited
/// (a database made by earlier code could not follow). `HirebaseMigrations.all` is therefore the
/// list as first released, kept as it landed; later migrations are appended to `added` here, and
/// each comes with a test that upgrades a database from the schema before it
/// (`MigrationUpgradeTests`).
enum MigrationPlan {
    /// Migrations after the first release, oldest first. Append only.
    static let added: [any AsyncMigration] = [
        CreateRateLimitBuckets(),
        AddInvitationScoredBy(),
        AddCSRFTokenOrder(),
    ]

    /// The whole plan: the first release, then `added`.
    static let all: [any AsyncMigration] = HirebaseMigrations.all + added
}
