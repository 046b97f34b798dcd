import Fluent
import Vapor

/// `hirebase migrate [--yes]`: Fluent's `migrate` (lists the pending migrations, asks, applies
/// them; "No new migrations." when there are none), under the lock `serve` takes while migrating,
/// over `DATABASE_DIRECT_URL` when set. Run it as a release step before new instances start
/// (docs/deploy.md). `--revert` is refused: migrations are append-only (README, "Contributing").
struct MigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "revert", help: "Refused: migrations are append-only")
        var revert: Bool
    }

    var help: String { "Applies pending migrations (under the migration lock; --yes to skip the question)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard !signature.revert else {
            throw CommandUsageError("--revert is not supported: migrations are append-only; add a migration that undoes the change (README, \"Contributing\")")
        }
        var lockURL: String?
        if case .postgres(let url) = app.hirebase.config.migrationDatabase { lockURL = url }
        // Everything under the lock, Fluent's bookkeeping table included: two of these (or one
        // and a starting `serve`) at once would both create it.
        try await DatabaseSetup.withMigrationLock(app, lockURL: lockURL) {
            try await app.migrator.setupIfNeeded().get()
            let pending = try await app.migrator.previewPrepareBatch().get()
            guard !pending.isEmpty else {
                context.console.print("No new migrations.")
                return
            }
            context.console.print("The following migration(s) will be prepared:")
            for (migration, database) in pending {
                context.console.output("+ \(migration.name, color: .green) on \(database?.string ?? "<default>", style: .info)")
            }
            guard context.console.confirm("Would you like to continue?".consoleText(.warning)) else {
                context.console.warning("Migration cancelled")
                return
            }
            try await app.migrator.prepareBatch().get()
            context.console.print("Migration successful")
        }
    }
}
