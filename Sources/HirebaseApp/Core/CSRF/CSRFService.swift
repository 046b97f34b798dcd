import Fluent
import Foundation
import PostgresNIO
import SQLKit

/// Issues and consumes CSRF tokens (OWASP "synchronizer token pattern", kept in the database so
/// that any instance behind the load balancer accepts a token another one issued).
///
/// Its own store: every query of `csrf_tokens` is here, with the column names taken from
/// `CSRFToken`.
///
/// Concurrent issues and consumptions of one process are combined ("group commit",
/// `StatementBatcher`): one statement per batch on PostgreSQL, one transaction on SQLite. The
/// batchers live as long as the app (`shutdown()` on its shutdown).
public struct CSRFService: Sendable {
    /// Token lifetime in seconds.
    public let ttlSeconds: Double
    /// Unused tokens kept per user: issuing one more drops the oldest (OWASP CSRF Prevention
    /// Cheat Sheet: tokens are per session, not an unbounded pile), so that a loop on
    /// `GET /csrf-token` cannot grow the table.
    public let maxLiveTokensPerUser: Int
    /// Expiry and use times.
    public let clock: WallClock
    private let issues: StatementBatcher<Issue, Void>
    private let consumptions: StatementBatcher<Consumption, Bool>

    /// - Parameters:
    ///   - ttlSeconds: token lifetime in seconds.
    ///   - maxLiveTokensPerUser: unused tokens kept per user (see the property).
    ///   - maxBatchSize: the most issues (and, separately, consumptions) one statement writes.
    public init(ttlSeconds: Double, clock: WallClock, maxLiveTokensPerUser: Int = 20, maxBatchSize: Int = 256) {
        self.ttlSeconds = ttlSeconds
        self.clock = clock
        self.maxLiveTokensPerUser = maxLiveTokensPerUser
        let cap = maxLiveTokensPerUser
        issues = StatementBatcher(maxBatchSize: maxBatchSize) { batch in
            try await Self.write(batch, keeping: cap, on: batch[0].database)
            return Array(repeating: (), count: batch.count)
        }
        consumptions = StatementBatcher(maxBatchSize: maxBatchSize) { batch in
            try await Self.consume(batch, on: batch[0].database)
        }
    }

    /// One token to store: a row of `csrf_tokens`, and the handle to store it with.
    struct Issue: Sendable {
        /// The app's database (every caller of one service passes a handle on the same one).
        var database: any Database
        var id: UUID
        var userID: UUID
        /// `SecretToken.hash` of the token.
        var tokenHash: String
        var expiresAt: Date
        var createdAt: Date
        /// `createdAt` in microseconds since 1970: a user's tokens are ordered by it (then by id).
        var createdAtMicros: Int64
    }

    /// One token to consume, and the handle to do it with.
    struct Consumption: Sendable {
        /// The app's database (every caller of one service passes a handle on the same one).
        var database: any Database
        /// `SecretToken.hash` of the token presented.
        var tokenHash: String
        var userID: UUID
        /// The time of the request: a token expiring at or before it is refused.
        var now: Date
    }

    /// Issues a token for `userID`, dropping that user's oldest unused tokens beyond
    /// `maxLiveTokensPerUser` (in the same statement or transaction as the insert).
    ///
    /// Batched with the issues running at the same time in this process, unless `db` is in a
    /// transaction (then it is one statement of that transaction).
    /// - Returns: the token (only ever seen by the caller) and its expiry (whole seconds).
    /// - Throws: the database's error (every issue of a failed batch gets it); `AppError` 503
    ///   once the app is stopping.
    public func issue(for userID: UUID, on db: any Database) async throws -> (token: String, expiresAt: Date) {
        let now = clock.now()
        let token = SecretToken.generate()
        let expiresAt = now.addingTimeInterval(ttlSeconds).wholeSeconds
        let issue = Issue(database: db, id: UUID(), userID: userID, tokenHash: SecretToken.hash(token), expiresAt: expiresAt,
                          createdAt: now, createdAtMicros: now.microsecondsSince1970)
        if Self.isInTransaction(db) {
            try await Self.write([issue], keeping: maxLiveTokensPerUser, on: db)
        } else {
            try await issues.submit(issue)
        }
        return (token, expiresAt)
    }

    /// Consumes `token` for `userID`: exactly one concurrent caller can win, whichever instance it
    /// reaches (one conditional `DELETE ... RETURNING`; two callers of one batch with the same
    /// token: the first submitted wins). A used token leaves no row behind (the user's rows stay
    /// the few live ones, which keeps `issue`'s trim short).
    ///
    /// `used_at IS NULL` stays a condition: an instance of an earlier release marks a used
    /// token instead of deleting it (during a rolling deploy), and that token stays used.
    ///
    /// Batched with the consumptions running at the same time in this process, unless `db` is in
    /// a transaction.
    /// - Returns: whether this call consumed a valid, unexpired, unused token of this user.
    /// - Throws: the database's error (every consumption of a failed batch gets it); `AppError`
    ///   503 once the app is stopping.
    public func consume(_ token: String, for userID: UUID, on db: any Database) async throws -> Bool {
        let consumption = Consumption(database: db, tokenHash: SecretToken.hash(token), userID: userID, now: clock.now())
        if Self.isInTransaction(db) {
            return try await Self.consume([consumption], on: db)[0]
        }
        return try await consumptions.submit(consumption)
    }

    /// Waits for the batches in flight and refuses new issues and consumptions (the app stops).
    public func shutdown() async {
        await issues.shutdown()
        await consumptions.shutdown()
    }

    /// Whether `db` is a transaction (or runs inside `Database.atomic`): its statements must run
    /// on it, not in a batch on another connection.
    private static func isInTransaction(_ db: any Database) -> Bool {
        db.inTransaction || AtomicScope.active
    }

    // MARK: Statements

    /// Stores `batch` and trims each of its users to the `cap` newest unused tokens.
    ///
    /// Within the batch, a user's later issue is the newer one. Of a user's issues beyond `cap`
    /// in one batch only the newest `cap` are stored: the older ones would be the first dropped.
    /// One statement on PostgreSQL (its trim runs on the snapshot before the insert, so it keeps
    /// `cap` less the user's new tokens); one transaction on SQLite.
    static func write(_ batch: [Issue], keeping cap: Int, on db: any Database) async throws {
        var storedPerUser: [UUID: Int] = [:]
        var stored: [Issue] = []
        stored.reserveCapacity(batch.count)
        for issue in batch.reversed() where storedPerUser[issue.userID, default: 0] < cap {
            storedPerUser[issue.userID, default: 0] += 1
            stored.append(issue)
        }
        stored.reverse()
        // Strictly increasing per user, so that "oldest" stays the order of issue when two
        // issues of a batch read the same microsecond.
        var latest: [UUID: Int64] = [:]
        for index in stored.indices {
            if let previous = latest[stored[index].userID], stored[index].createdAtMicros <= previous {
                stored[index].createdAtMicros = previous + 1
            }
            latest[stored[index].userID] = stored[index].createdAtMicros
        }
        guard !stored.isEmpty else { return }
        let (rows, users) = (stored, Array(storedPerUser.keys))
        if let postgres = db as? any PostgresDatabase {
            func array(_ values: [PostgresData], of type: PostgresDataType) -> PostgresData { PostgresData(array: values, elementType: type) }
            _ = try await postgres.query(postgresStatements.issue, [
                array(stored.map { PostgresData(uuid: $0.id) }, of: .uuid),
                array(stored.map { PostgresData(uuid: $0.userID) }, of: .uuid),
                array(stored.map { PostgresData(string: $0.tokenHash) }, of: .text),
                array(stored.map { PostgresData(date: $0.expiresAt) }, of: .timestamptz),
                array(stored.map { PostgresData(date: $0.createdAt) }, of: .timestamptz),
                array(stored.map { PostgresData(int64: $0.createdAtMicros) }, of: .int8),
                PostgresData(int64: Int64(cap)),
            ]).get()
            return
        }
        // One transaction: one commit (one sync of the log) for the whole batch.
        try await db.atomic { tx in
            let sql = try tx.sql
            let insert = sql.insert(into: CSRFToken.schema)
                .columns(CSRFToken.column(\.$id), CSRFToken.column(\.$userID), CSRFToken.column(\.$tokenHash), CSRFToken.column(\.$expiresAt),
                         CSRFToken.column(\.$createdAt), CSRFToken.column(\.$createdAtMicros))
            for issue in rows {
                insert.values(SQLBind(issue.id), SQLBind(issue.userID), SQLBind(issue.tokenHash), SQLBind(issue.expiresAt),
                              SQLBind(issue.createdAt), SQLBind(issue.createdAtMicros))
            }
            try await insert.run()
            try await sql.raw(sqliteTrim(users: users, keeping: cap)).run()
        }
    }

    /// SQLite: deletes the unused tokens of `users` beyond each one's `cap` newest.
    private static func sqliteTrim(users: [UUID], keeping cap: Int) -> SQLQueryString {
        let (id, user, usedAt) = (CSRFToken.column(\.$id), CSRFToken.column(\.$userID), CSRFToken.column(\.$usedAt))
        let table = SQLIdentifier(CSRFToken.schema)
        return """
            DELETE FROM \(table) WHERE \(id) IN (SELECT \(id) FROM (SELECT \(id), ROW_NUMBER() OVER (PARTITION BY \(user) \
            ORDER BY \(CSRFToken.column(\.$createdAtMicros)) DESC, \(id) DESC) AS recency FROM \(table) \
            WHERE \(user) IN (\(binds: users)) AND \(usedAt) IS NULL) WHERE recency > \(bind: cap))
            """
    }

    /// Consumes the tokens of `batch` with one `DELETE ... RETURNING`.
    /// - Returns: per item, in order, whether it consumed its token; of items holding the same
    ///   token and user, only the first can.
    static func consume(_ batch: [Consumption], on db: any Database) async throws -> [Bool] {
        struct Key: Hashable {
            var tokenHash: String
            var userID: UUID
        }
        // Expiry is judged at the latest request of the batch (the flush runs after all of them).
        let now = batch.map(\.now).max() ?? Date()
        var consumed = Set<Key>()
        if let postgres = db as? any PostgresDatabase {
            let rows = try await postgres.query(postgresStatements.consume, [
                PostgresData(array: batch.map { PostgresData(string: $0.tokenHash) }, elementType: .text),
                PostgresData(array: batch.map { PostgresData(uuid: $0.userID) }, elementType: .uuid),
                PostgresData(date: now),
            ]).get()
            for row in rows.rows {
                let (tokenHash, userID) = try row.decode((String, UUID).self)
                consumed.insert(Key(tokenHash: tokenHash, userID: userID))
            }
        } else {
            let (hash, user) = (CSRFToken.column(\.$tokenHash), CSRFToken.column(\.$userID))
            // `hash IN (...)` lets SQLite read the batch's rows through the hash's unique index.
            let pairs = SQLList(batch.map { SQLGroupExpression([SQLBind($0.tokenHash), SQLBind($0.userID)]) })
            let statement: SQLQueryString = """
                DELETE FROM \(SQLIdentifier(CSRFToken.schema)) WHERE \(hash) IN (\(binds: batch.map(\.tokenHash))) \
                AND (\(hash), \(user)) IN (VALUES \(pairs)) \
                AND \(CSRFToken.column(\.$usedAt)) IS NULL AND \(CSRFToken.column(\.$expiresAt)) > \(bind: now) RETURNING \(hash), \(user)
                """
            for row in try await db.sql.raw(statement).all() {
                consumed.insert(Key(tokenHash: try row.decode(column: hash.string, as: String.self),
                                    userID: try row.decode(column: user.string, as: UUID.self)))
            }
        }
        return batch.map { consumed.remove(Key(tokenHash: $0.tokenHash, userID: $0.userID)) != nil }
    }

    /// The PostgreSQL text of the batched issue and consumption, written once per process:
    /// building and serializing them with SQLKit on every request was about a tenth of
    /// `GET /csrf-token`'s CPU. Column names come from `CSRFToken`; values are bound (`$n`), a
    /// batch's as arrays.
    private static let postgresStatements: (issue: String, consume: String) = {
        func name<Property: AnyQueryableProperty>(_ property: KeyPath<CSRFToken, Property>) -> String {
            CSRFToken.column(property).quotedText
        }
        let table = SQLIdentifier(CSRFToken.schema).quotedText
        let (id, user, hash, expiresAt, usedAt) = (name(\.$id), name(\.$userID), name(\.$tokenHash), name(\.$expiresAt), name(\.$usedAt))
        let createdAtMicros = name(\.$createdAtMicros)
        // Arrays, one element per token: $1 id, $2 user, $3 hash, $4 expiry, $5 creation time,
        // $6 creation in microseconds; $7 the cap. Per user, the unused tokens other than the
        // (cap - that user's new tokens) newest are dropped: the delete does not see the insert.
        // `= ANY(ARRAY(...))` makes the per-user lookups run once (an InitPlan): as `IN (...)`
        // PostgreSQL planned a semi join that re-ran them for every row of the table when the
        // table had no statistics yet (190 ms for a batch of 12 over 1,280 rows, against 1 ms).
        let issue = """
            WITH issued AS (INSERT INTO \(table) (\(id), \(user), \(hash), \(expiresAt), \(name(\.$createdAt)), \(createdAtMicros)) \
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int8[])) \
            DELETE FROM \(table) WHERE \(id) = ANY(ARRAY(SELECT dropped.id FROM \
            (SELECT issuer.user_id, count(*) AS issued FROM unnest($2::uuid[]) AS issuer(user_id) GROUP BY issuer.user_id) AS fresh \
            CROSS JOIN LATERAL (SELECT \(id) AS id FROM \(table) WHERE \(user) = fresh.user_id AND \(usedAt) IS NULL \
            ORDER BY \(createdAtMicros) DESC, \(id) DESC OFFSET ($7 - fresh.issued)) AS dropped)) AND \(usedAt) IS NULL
            """
        // $1 hashes, $2 users (pairs by position), $3 now. `hash = ANY($1)` bounds the rows read
        // by the batch through the unique index on the hash (once the table is large enough for
        // the planner to prefer it); the pair condition then picks the user's own.
        let consume = """
            DELETE FROM \(table) WHERE \(hash) = ANY($1::text[]) AND (\(hash), \(user)) IN (SELECT * FROM unnest($1::text[], $2::uuid[])) \
            AND \(usedAt) IS NULL AND \(expiresAt) > $3 RETURNING \(hash), \(user)
            """
        return (issue, consume)
    }()

    /// Deletes expired tokens and tokens used more than an hour ago.
    /// - Returns: how many rows were removed.
    @discardableResult
    public func removeStale(on db: any Database) async throws -> Int {
        let now = clock.now()
        let rows = try await db.sql.delete(from: CSRFToken.schema)
            .where(CSRFToken.column(\.$expiresAt), .lessThan, SQLBind(now))
            .orWhere(CSRFToken.column(\.$usedAt), .lessThan, SQLBind(now.addingTimeInterval(-3600)))
            .returning(CSRFToken.column(\.$id))
            .all()
        return rows.count
    }
}
