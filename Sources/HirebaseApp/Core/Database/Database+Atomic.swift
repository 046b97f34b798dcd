import Fluent
import SQLKit

extension Database {
    /// Runs `body` in one transaction that takes the write lock up front.
    ///
    /// Why not Fluent's `transaction`: on SQLite it sends a deferred `BEGIN`, and two connections
    /// that both read and then write deadlock (SQLite answers `SQLITE_BUSY` at once, without the
    /// busy handler). `BEGIN IMMEDIATE` serializes writers instead. PostgreSQL uses Fluent's
    /// transaction (row locks and conditional updates do the rest).
    /// - Throws: whatever `body` throws, after rolling back.
    ///
    /// Nested calls (with the `Database` the outer body was given) join the outer transaction.
    func atomic<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if AtomicScope.active || inTransaction {
            return try await body(self)
        }
        if isPostgres {
            return try await transaction { tx in try await AtomicScope.$active.withValue(true) { try await body(tx) } }
        }
        // One SQLite write transaction at a time in this process: a second `BEGIN IMMEDIATE`
        // would wait in sqlite-nio's busy handler, which retries without sleeping and so burns a
        // thread-pool thread and a core until the first commits.
        return try await SQLiteWriteGate.shared.withSlot { try await transactionOnOneConnection(body) }
    }

    private func transactionOnOneConnection<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await withConnection { connection in
            let sql = try connection.sql
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await AtomicScope.$active.withValue(true) { try await body(connection) }
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

/// Whether the current task runs inside `Database.atomic`'s body: SQLite connections taken with
/// `withConnection` do not report `inTransaction`, so nesting is tracked here.
enum AtomicScope {
    @TaskLocal static var active = false
}

/// One SQLite write transaction at a time in this process (see `atomic`).
enum SQLiteWriteGate {
    static let shared = AsyncSemaphore(limit: 1)
}
