import Fluent
import SQLKit

extension Database {
    /// The SQLKit view of this database; both drivers Hirebase uses provide one.
    /// - Throws: `AppError` 500 when a driver without SQL is configured (a programming error).
    var sql: any SQLDatabase {
        get throws {
            guard let sql = self as? any SQLDatabase else {
                throw AppError(.internalServerError, detail: "Internal server error")
            }
            return sql
        }
    }

    /// Whether this is PostgreSQL (for the few statements that differ from SQLite).
    var isPostgres: Bool {
        (self as? any SQLDatabase)?.dialect.name == "postgresql"
    }

    /// Creates a plain (non-unique) index unless it exists; Fluent's schema builder has no verb
    /// for it. `IF NOT EXISTS` (and `ignoreExisting()` on tables) makes every migration safe to
    /// run again after a process was killed half-way, before Fluent recorded it as done.
    func createIndex(named name: String, on table: String, columns: [String]) async throws {
        try await sql.raw("CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: table) (\(idents: columns, joinedBy: ", "))").run()
    }

    /// Adds a column (nullable unless `type` says otherwise) unless the table has it already, so
    /// that a migration killed after the change but before Fluent recorded it can run again
    /// (SQLite has no `ADD COLUMN IF NOT EXISTS`; PostgreSQL's is used there).
    /// - Parameters:
    ///   - type: the SQLite column type (and constraints); `postgresType` the PostgreSQL one.
    func addColumnIfMissing(_ column: String, type: String, postgresType: String, to table: String) async throws {
        if isPostgres {
            try await sql.raw("ALTER TABLE \(ident: table) ADD COLUMN IF NOT EXISTS \(ident: column) \(unsafeRaw: postgresType)").run()
            return
        }
        let columns = try await sql.raw("PRAGMA table_info(\(ident: table))").all().map { try $0.decode(column: "name", as: String.self) }
        guard !columns.contains(column) else { return }
        try await sql.raw("ALTER TABLE \(ident: table) ADD COLUMN \(ident: column) \(unsafeRaw: type)").run()
    }

    /// Adds a required (`NOT NULL`) integer column unless the table has it already; the rows
    /// already there, and rows inserted without the column, get `value`. The types are the ones
    /// Fluent gives `.int` (`INTEGER` on SQLite, `BIGINT` on PostgreSQL), so the column matches one
    /// made by `.field(_, .int, .required)`; SQLite requires the default to add a `NOT NULL` column.
    /// With a constant default neither database rewrites the table (PostgreSQL 11 and later).
    func addRequiredIntegerColumnIfMissing(_ column: String, default value: Int, to table: String) async throws {
        try await addColumnIfMissing(column, type: "INTEGER NOT NULL DEFAULT \(value)", postgresType: "BIGINT NOT NULL DEFAULT \(value)", to: table)
    }
}
