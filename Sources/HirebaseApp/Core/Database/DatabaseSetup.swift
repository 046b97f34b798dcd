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
