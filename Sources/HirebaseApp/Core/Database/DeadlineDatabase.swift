import FluentKit
import FluentPostgresDriver
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import SQLKit

/// A statement or transaction on PostgreSQL took longer than `DATABASE_QUERY_TIMEOUT_SECONDS`;
/// its connection was closed. Rendered as 503 `service_unavailable` with `Retry-After`, like an
/// unreachable database (`ErrorRenderingMiddleware.isDatabaseUnavailable`).
struct DatabaseTimeoutError: Error, CustomStringConvertible {
    /// The bound that passed, in seconds.
    var seconds: Double
    var description: String { "no answer from PostgreSQL within \(seconds.formatted()) s (DATABASE_QUERY_TIMEOUT_SECONDS); connection closed" }
}

/// The PostgreSQL configuration Hirebase serves from: Fluent's pool, with a deadline on every
/// statement and every transaction.
///
/// Why: the pool bounds the wait for a connection (`connectionPoolTimeout`) and PostgresNIO the
/// opening of one (`connectTimeout`), but nothing bounds a statement once it is sent. Behind
/// PgBouncer in transaction mode with PostgreSQL gone, the pooler accepts the statement and queues
/// it (up to its `query_wait_timeout`, 120 s by default); a server or network path that went
/// silent never answers at all, and PostgresNIO's queries do not heed task cancellation.
///
/// How: each statement (and each transaction, as a whole) leases its connection, starts a timer on
/// it, and closes the connection when the timer fires. Closing fails the waiting statement at once
/// (turned into `DatabaseTimeoutError`) and the pool drops the closed connection, so it poisons
/// nothing: once PostgreSQL answers again, new connections serve the next requests.
struct DeadlinePostgresConfiguration: DatabaseConfiguration {
    var middleware: [any AnyModelMiddleware] = []
    let configuration: SQLPostgresConfiguration
    let limits: AppConfig.DatabaseLimits
    let sqlLogLevel: Logger.Level

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        let loops = Array(databases.eventLoopGroup.makeIterator()).count
        let perLoop = limits.maxConnections.map { max(1, ($0 + loops - 1) / max(1, loops)) } ?? 4
        var inner = DatabaseConfigurationFactory.postgres(
            configuration: configuration, maxConnectionsPerEventLoop: perLoop,
            connectionPoolTimeout: .milliseconds(Int64(limits.poolTimeoutSeconds * 1000)),
            // Idle connections are closed after a minute, so that a quiet instance does not hold
            // its whole pool on a database (or pooler) with a connection limit.
            pruneInterval: .seconds(30), maxIdleTimeBeforePruning: .seconds(60),
            sqlLogLevel: sqlLogLevel
        ).make()
        inner.middleware = middleware
        return DeadlineDriver(inner: inner.makeDriver(for: databases), timeout: limits.queryTimeoutSeconds)
    }
}

private struct DeadlineDriver: DatabaseDriver {
    let inner: any DatabaseDriver
    let timeout: Double

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let database = inner.makeDatabase(with: context)
        return DeadlineDatabase(database, timeout: timeout, bound: false) ?? database
    }

    func shutdown() { inner.shutdown() }
    func shutdownAsync() async { await inner.shutdownAsync() }
}

/// A statement's result carried to the promise of `underDeadline`, which is completed on the
/// connection's event loop (the result of a Fluent or PostgresNIO call is not always `Sendable`).
private struct UncheckedResult<Value>: @unchecked Sendable {
    let value: Value
}

/// Fluent's PostgreSQL database, every statement and transaction under `timeout` (see
/// `DeadlinePostgresConfiguration`). Also an `SQLDatabase` and a `PostgresDatabase`, as the
/// database it wraps, so `db.sql` and typed PostgresNIO reads keep working.
struct DeadlineDatabase: Database, SQLDatabase, PostgresDatabase {
    private let database: any Database
    private let sqlView: any SQLDatabase
    private let postgresView: any PostgresDatabase
    /// Seconds a statement or transaction may take once it holds its connection.
    let timeout: Double
    /// Whether this database is one connection already under a deadline (a transaction's, or one
    /// `withConnection`'s): its statements are covered by it and start no timer of their own.
    let bound: Bool

    /// `nil` when `database` is not Fluent's PostgreSQL database.
    init?(_ database: any Database, timeout: Double, bound: Bool) {
        guard let sql = database as? any SQLDatabase, let postgres = database as? any PostgresDatabase else { return nil }
        self.database = database
        self.sqlView = sql
        self.postgresView = postgres
        self.timeout = timeout
        self.bound = bound
    }

    /// Runs `work` on one leased connection that is closed if `work` has not finished within
    /// `timeout` (then `DatabaseTimeoutError` is thrown instead of the closed connection's error).
    /// Inside a bound database, `work` runs under the enclosing deadline.
    private func withDeadline<T>(_ work: @escaping @Sendable (DeadlineDatabase) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if bound { return work(self) }
        let timeout = self.timeout
        return database.withConnection { leased in
            guard let scoped = DeadlineDatabase(leased, timeout: timeout, bound: true) else {
                // Fluent's PostgreSQL connections are always both; a driver change would land here.
                return leased.eventLoop.makeFailedFuture(AppError(.internalServerError, detail: "Internal server error"))
            }
            // On a database that is one connection, this hands over that connection: no second lease.
            return scoped.postgresView.withConnection { connection in
                Self.underDeadline(timeout, closing: connection) { work(scoped) }
            }
        }
    }

    /// Runs `work`, closing `connection` if it has not finished within `timeout` seconds.
    /// - Throws: `DatabaseTimeoutError` when the timer closed the connection and `work` failed.
    private static func underDeadline<T>(_ timeout: Double, closing connection: PostgresConnection,
                                         _ work: () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        let expired = NIOLockedValueBox(false)
        // Completed by `work`, or by the timer when `work` has not finished (a promise completed
        // twice keeps its first result). Closing the connection normally fails `work` at once,
        // but a statement cut by a pooler (PgBouncer's `server conn crashed?` when PostgreSQL
        // stops) was seen never to complete, closed or not: the request then hung until the
        // client gave up. The timer answers for it.
        let promise = connection.eventLoop.makePromise(of: UncheckedResult<T>.self)
        let timer = connection.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) {
            expired.withLockedValue { $0 = true }
            connection.close().whenComplete { _ in }
            promise.fail(DatabaseTimeoutError(seconds: timeout))
        }
        work().always { _ in timer.cancel() }.map { UncheckedResult(value: $0) }.flatMapErrorThrowing { error in
            if expired.withLockedValue({ $0 }) { throw DatabaseTimeoutError(seconds: timeout) }
            throw error
        }.cascade(to: promise)
        return promise.futureResult.map { $0.value }
    }

    // MARK: Database

    var context: DatabaseContext { database.context }
    var inTransaction: Bool { database.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        withDeadline { $0.database.execute(query: query, onOutput: onOutput) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        withDeadline { $0.database.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        withDeadline { $0.database.execute(enum: `enum`) }
    }

    /// The whole transaction (`BEGIN` to `COMMIT`) is under one deadline.
    ///
    /// `BEGIN`, `COMMIT` and `ROLLBACK` are sent here, as Fluent's driver does: Fluent marks a
    /// database leased with `withConnection` as already in a transaction, so its own
    /// `transaction` on the leased connection would send no `BEGIN` at all.
    func transaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if bound || inTransaction { return closure(self) }
        return withDeadline { scoped in
            let sql = scoped.sqlView
            return sql.raw("BEGIN").run().flatMap {
                closure(scoped).flatMap { result in
                    sql.raw("COMMIT").run().and(value: result).map { $1 }
                }.flatMapError { error in
                    // A ROLLBACK that fails too (the connection died under the transaction, e.g.
                    // PgBouncer's `server conn crashed?`) must not hide why the transaction failed.
                    sql.raw("ROLLBACK").run().recover { _ in }.flatMapThrowing { throw error }
                }
            }
        }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        withDeadline { closure($0) }
    }

    // MARK: SQLDatabase

    var version: (any SQLDatabaseReportedVersion)? { sqlView.version }
    var dialect: any SQLDialect { sqlView.dialect }
    var queryLogLevel: Logger.Level? { sqlView.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        withDeadline { $0.sqlView.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }

    func withSession<R: Sendable>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withDeadline { scoped in
            scoped.eventLoop.makeFutureWithTask { try await closure(scoped) }
        }.get()
    }

    // MARK: PostgresDatabase

    func send(_ request: any PostgresRequest, logger: Logger) -> EventLoopFuture<Void> {
        withConnection { $0.send(request, logger: logger) }
    }

    func withConnection<T>(_ closure: @escaping (PostgresConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        if bound { return postgresView.withConnection(closure) }
        let timeout = self.timeout
        return postgresView.withConnection { connection in
            Self.underDeadline(timeout, closing: connection) { closure(connection) }
        }
    }
}
