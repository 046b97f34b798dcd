import Fluent
import SQLKit

/// GCRA buckets in the database (`rate_limit_buckets`), for the classes that must be exact across
/// every instance (`write`, `costly`): each charge is ONE conditional upsert, so of N concurrent
/// calls on any number of instances exactly as many pass as the bucket holds.
///
/// The statement is the same on SQLite (3.35+: upsert with `WHERE` and `RETURNING`) and
/// PostgreSQL, needs no session state, and so also works through a transaction-mode pooler.
/// Every query of the feature lives here (STYLE.md: column names in one file).
struct RateLimitStore: Sendable {
    static let table = "rate_limit_buckets"
    /// The bucket's key (`{class}:{subject}`), the primary key.
    private static let key = "bucket_key"
    /// The bucket's theoretical arrival time, microseconds since 1970 (GCRA's TAT).
    private static let tat = "tat_us"

    /// Charges one call of `key` at `now` (microseconds since 1970).
    /// - Throws: database errors (503 when it is unreachable, like every other request).
    func charge(_ rateClass: RateClass, key: String, limit: RateLimit, now: Int64, on db: any Database) async throws -> RateLimitDecision {
        let sql = try db.sql
        let interval = limit.emissionIntervalMicros
        let bound = GCRA.allowanceBound(now: now, limit: limit)
        // base = max(stored, now), spelled as CASE because the two dialects name max differently.
        let base: SQLQueryString = "(CASE WHEN \(ident: Self.table).\(ident: Self.tat) > \(bind: now) THEN \(ident: Self.table).\(ident: Self.tat) ELSE \(bind: now) END)"
        let statement: SQLQueryString = """
            INSERT INTO \(ident: Self.table) (\(ident: Self.key), \(ident: Self.tat)) VALUES (\(bind: key), \(bind: now + interval))
            ON CONFLICT (\(ident: Self.key)) DO UPDATE SET \(ident: Self.tat) = \(base) + \(bind: interval)
            WHERE \(base) <= \(bind: bound)
            RETURNING \(ident: Self.tat)
            """
        let run: @Sendable (any Database) async throws -> Int64? = { db in
            try await db.sql.raw(statement).first()?.decode(column: Self.tat, as: Int64.self)
        }
        // SQLite: one writer at a time in this process (see `Database.atomic`); the statement is
        // atomic on its own, so it needs the gate but no transaction around it.
        let tat = db.isPostgres ? try await run(db) : try await SQLiteWriteGate.shared.withSlot { try await run(db) }
        if let tat {
            return GCRA.decision(rateClass, allowed: true, tat: tat, now: now, limit: limit)
        }
        let stored = try await sql.select().column(Self.tat).from(Self.table)
            .where(Self.key, .equal, SQLBind(key)).first()?.decode(column: Self.tat, as: Int64.self)
        return GCRA.decision(rateClass, allowed: false, tat: GCRA.base(tat: stored, now: now), now: now, limit: limit)
    }

    /// Deletes buckets that are full again (their TAT is past): they hold no state.
    /// - Returns: how many rows were removed.
    @discardableResult
    func removeIdle(now: Int64, on db: any Database) async throws -> Int {
        try await db.sql.delete(from: Self.table).where(Self.tat, .lessThan, SQLBind(now)).returning(Self.key).all().count
    }
}
