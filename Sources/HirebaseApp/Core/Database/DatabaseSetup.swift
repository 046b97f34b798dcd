import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// The one place where the database is chosen and migrated (STYLE.md habit 3).
enum DatabaseSetup {
    /// `DATABASE_URL` -> PostgreSQL, else the SQLite file.
    ///
    /// The drivers log each statement at `sqlLogLevel`: `info` with `LOG_SQL`, otherwise not at
    /// all on SQLite and at `trace` on PostgreSQL (whose driver needs a level). Their bound values
    /// never reach a log line (`Redaction.redactedMetadataKeys`).
    /// - Throws: when the PostgreSQL URL cannot be parsed.
    static func factory(for target: AppConfig.DatabaseTarget, logSQL: Bool = false) throws -> (DatabaseConfigurationFactory, DatabaseID) {
        switch target {
        case .sqliteFile(let path):
            return (.sqlite(.file(path), sqlLogLevel: logSQL ? .info : nil), .sqlite)
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(url: url)
            return (.postgres(configuration: configuration, maxConnectionsPerEventLoop: 4, sqlLogLevel: logSQL ? .info : .trace), .psql)
        }
    }

    /// Applies pending migrations. On PostgreSQL the run holds an advisory lock, so instances
    /// starting together migrate one after the other instead of racing on `CREATE TABLE`.
    static func migrate(_ app: Application) async throws {
        app.migrations.add(MigrationPlan.all)
        guard app.db.isPostgres else {
            try await app.autoMigrate()
            return
        }
        // Any fixed 64-bit key; the same on every instance ("hirebase" in ASCII).
        let lockKey = "6868696562617365"
        try await app.db.withConnection { connection in
            let sql = try connection.sql
            try await sql.raw("SELECT pg_advisory_lock(x'\(unsafeRaw: lockKey)'::bigint)").run()
            do {
                try await app.autoMigrate()
            } catch {
                try? await sql.raw("SELECT pg_advisory_unlock(x'\(unsafeRaw: lockKey)'::bigint)").run()
                throw error
            }
            try await sql.raw("SELECT pg_advisory_unlock(x'\(unsafeRaw: lockKey)'::bigint)").run()
        }
    }
}
