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

    /// Creates a plain (non-unique) index; Fluent's schema builder has no verb for it.
    func createIndex(named name: String, on table: String, columns: [String]) async throws {
        var builder = try sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }
}
