import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Vapor

/// The one place where the database is chosen and migrated (STYLE.md habit 3).
enum DatabaseSetup {
    /// `DATABASE_URL` -> PostgreSQL, else the SQLite file.
    ///
    /// PostgreSQL gets the pool and the timeouts of `limits`: `DeadlinePostgresConfiguration`
    /// bounds every statement and transaction, the pool the wait for a connection, PostgresNIO
    /// the opening of one.
    ///
    /// The drivers log each statement at `sqlLogLevel`: `info` with `LOG_SQL`, otherwise not at
    /// all on SQLite and at `trace` on PostgreSQL (whose driver needs a level). Their bound values
    /// never reach a log line (`Redaction.redactedMetadataKeys`).
    /// - Throws: when the PostgreSQL URL cannot be parsed.
    static func factory(for target: AppConfig.DatabaseTarget, limits: AppConfig.DatabaseLimits = .defaults,
                        logSQL: Bool = false) throws -> (DatabaseConfigurationFactory, DatabaseID) {
        switch target {
        case .sqliteFile(let path):
            return (.sqlite(.file(path), sqlLogLevel: logSQL ? .info : nil), .sqlite)
        case .postgres(let url):
            return (postgres(try SQLPostgresConfiguration(url: url), limits: limits, logSQL: logSQL), .psql)
        }
    }

    /// PostgreSQL at `configuration` with the pool and timeouts of `limits` (see `factory`).
    static func postgres(_ configuration: SQLPostgresConfiguration, limits: AppConfig.DatabaseLimits,
                         logSQL: Bool = false) -> DatabaseConfigurationFactory {
        var bounded = configuration
        bounded.coreConfiguration.options.connectTimeout = .milliseconds(Int64(limits.connectTimeoutSeconds * 1000))
        let configuration = bounded
        return DatabaseConfigurationFactory {
            DeadlinePostgresConfiguration(configuration: configuration, limits: limits, sqlLogLevel: logSQL ? .info : .trace)
        }
    }

    /// The database migrations run on, PostgreSQL only: `DATABASE_DIRECT_URL` when set, else
    /// `DATABASE_URL`; a small pool without the statement deadline (an index built on a large
    /// table may take minutes), whose idle connections close after a minute. Fluent's
    /// `migrate` command uses it too.
    static let migrationsID = DatabaseID(string: "psql-migrations")

    /// Registers `migrationsID` for `config` (PostgreSQL only) and returns it; `nil` on SQLite,
    /// where migrations use the default database.
    /// - Throws: when the URL cannot be parsed.
    static func registerMigrationDatabase(_ app: Application, config: AppConfig) throws -> DatabaseID? {
        guard case .postgres(let url) = config.migrationDatabase else { return nil }
        var configuration = try SQLPostgresConfiguration(url: url)
        configuration.coreConfiguration.options.connectTimeout = .milliseconds(Int64(config.databaseLimits.connectTimeoutSeconds * 1000))
        app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: 1,
                                    connectionPoolTimeout: .seconds(60), pruneInterval: .seconds(30), maxIdleTimeBeforePruning: .seconds(60),
                                    sqlLogLevel: config.logSQL ? .info : .trace),
                          as: migrationsID, isDefault: false)
        return migrationsID
    }

    /// Sets up the SQLite file's connections: write-ahead logging (readers no longer wait for the
    /// writer), a busy timeout that sleeps up to 5 s instead of sqlite-nio's busy handler, which
    /// retries without sleeping and burns a core, and the `synchronous` level of `SQLITE_SYNCHRONOUS`.
    ///
    /// `normal` (the default, as Rails 8 and Litestream set it for WAL): a commit writes the log
    /// without waiting for the disk, which syncs at checkpoints; a killed process loses nothing,
    /// a power cut or OS crash may lose the last commits but never corrupts the file. `full`
    /// syncs the log on every commit, so every acknowledged write survives a power cut, at about
    /// a disk sync per write (a third of the write rate on this machine).
    ///
    /// The driver keeps exactly one connection per event loop, so each loop's connection is set
    /// here, at start. `journal_mode` is kept in the file; `busy_timeout` and `synchronous` belong
    /// to a connection, so a connection the driver opens again later (after an error) runs with
    /// SQLite's defaults: slower (`FULL`), never less safe.
    /// - Throws: when a connection cannot be opened or refuses the settings.
    static func prepareSQLiteFile(_ app: Application, synchronous: AppConfig.SQLiteSynchronous) async throws {
        guard !app.db.isPostgres else { return }
        for loop in app.eventLoopGroup.makeIterator() {
            guard let db = app.databases.database(.sqlite, logger: app.logger, on: loop) else { continue }
            try await db.withConnection { connection in
                let sql = try connection.sql
                try await sql.raw("PRAGMA journal_mode = WAL").run()
                try await sql.raw("PRAGMA synchronous = \(unsafeRaw: synchronous.rawValue.uppercased())").run()
                try await sql.raw("PRAGMA busy_timeout = 5000").run()
            }
        }
    }

    /// Applies pending migrations (on `database`, else the default database).
    ///
    /// On PostgreSQL the run holds an advisory lock, so instances starting together migrate one
    /// after the other instead of racing on `CREATE TABLE`. The lock is transaction-scoped and held
    /// by one open transaction on a connection of its own (`lockURL`) for the whole run: a
    /// session-level lock is unsafe through a transaction-mode pooler (PgBouncer may send the lock
    /// and the unlock to different server connections, leaving the lock held by a pooled
    /// connection forever), while an open transaction keeps its server connection until it ends.
    /// A crashed run ends its transaction with its connection, and the lock with it.
    /// - Throws: when the lock's connection cannot be opened or a migration fails.
    static func migrate(_ app: Application, on database: DatabaseID? = nil, lockURL: String? = nil) async throws {
        app.migrations.add(MigrationPlan.all, to: database)
        try await withMigrationLock(app, lockURL: lockURL) { try await app.autoMigrate() }
    }

    /// Runs `body` (migration work) holding the migration lock that `migrate` takes: on
    /// PostgreSQL with `lockURL`, a transaction-scoped advisory lock held by one open transaction
    /// on a connection of its own, so that `hirebase migrate` and starting `serve` instances never
    /// run migrations at the same time (nor create Fluent's bookkeeping table twice). Elsewhere
    /// `body` just runs (SQLite: one process per file).
    /// - Throws: when the lock's connection fails, or what `body` throws.
    static func withMigrationLock<T: Sendable>(_ app: Application, lockURL: String?, _ body: () async throws -> T) async throws -> T {
        guard app.db.isPostgres, let lockURL else {
            return try await body()
        }
        let configuration = try SQLPostgresConfiguration(url: lockURL).coreConfiguration
        let connection = try await PostgresConnection.connect(on: app.eventLoopGroup.any(), configuration: configuration, id: 0, logger: app.logger)
        // Any fixed 64-bit key; the same on every instance ("hirebase" in ASCII).
        let lockKey = "6868696562617365"
        let result: T
        do {
            _ = try await connection.query("BEGIN", logger: app.logger)
            _ = try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(x'\(lockKey)'::bigint)"), logger: app.logger)
            result = try await body()
            _ = try await connection.query("COMMIT", logger: app.logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        return result
    }
}
