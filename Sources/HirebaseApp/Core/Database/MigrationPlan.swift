import Fluent

/// Every schema change, numbered, in the order it is applied: the place where a new migration is
/// listed.
///
/// Rules (README, "Contributing"):
/// - Everything under `Migrations/` is append-only: once a file there has landed it is never
///   edited or renamed (a database made by earlier code could not follow, and Fluent records each
///   migration by its type's name, `String(reflecting:)`, in `_fluent_migrations`).
///   `scripts/check-migrations` (run by `.ci/run`) fails when a landed file changes.
/// - A schema change is a new migration type in a new file, appended to `added` with the next
///   number, with a test that upgrades a database from the schema before it
///   (`MigrationUpgradeTests`, `FirstReleaseUpgradeTests`).
///
/// The number is the position in the plan, written out so that the order is explicit and a
/// reordering or a gap shows in review and in `MigrationPlanTests`. Migrations 1–15 are the list
/// `HirebaseMigrations.all` as it landed (1–12 the first release, 13–15 issue 7's); that file is
/// frozen like every landed one, so later migrations are numbered here, from 16.
enum MigrationPlan {
    /// A migration and its number (1 is the first applied).
    typealias Numbered = (number: Int, migration: any AsyncMigration)

    /// The landed list: numbers 1–15, in the order of `HirebaseMigrations.all`.
    static let landedList: [Numbered] = HirebaseMigrations.all.enumerated().map { (number: $0.offset + 1, migration: $0.element) }

    /// Migrations after the landed list, oldest first. Append only: the next takes the last
    /// number + 1; a landed entry is never moved, renumbered or removed (the check script holds
    /// the landed entries in `scripts/landed-migrations.txt`).
    static let added: [Numbered] = [
        (16, AddJobAndApplicationVersions()),
        (17, AddInvitationCompanyExpiryIndex()),
        (18, AddCandidateChangeIndex()),
        (19, CreateBackgroundJobs()),
        (20, AddInvitationReminders()),
        (21, AddAIAssistance()),
    ]

    /// The whole plan, numbered: the landed list, then `added`.
    static let numbered: [Numbered] = landedList + added

    /// The whole plan in order, as `app.migrations` takes it.
    static let all: [any AsyncMigration] = numbered.map { $0.migration }
}
