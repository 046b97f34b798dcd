import Fluent
import Foundation
import PostgresNIO
import SQLKit

/// Issues and consumes CSRF tokens (OWASP "synchronizer token pattern", kept in the database so
/// that any instance behind the load balancer accepts a token another one issued).
///
/// Its own store: every query of `csrf_tokens` is here, with the column names taken from
/// `CSRFToken`.
public struct CSRFService: Sendable {
    /// Token lifetime in seconds.
    public var ttlSeconds: Double
    /// Unused tokens kept per user: issuing one more drops the oldest (OWASP CSRF Prevention
    /// Cheat Sheet: tokens are per session, not an unbounded pile), so that a loop on
    /// `GET /csrf-token` cannot grow the table.
    public var maxLiveTokensPerUser = 20
    /// Expiry and use times.
    public var clock: WallClock

    public init(ttlSeconds: Double, clock: WallClock) {
        self.ttlSeconds = ttlSeconds
        self.clock = clock
    }

    /// Issues a token for `userID`, dropping that user's oldest unused tokens beyond
    /// `maxLiveTokensPerUser`.
    /// - Returns: the token (only ever seen by the caller) and its expiry.
    public func issue(for userID: UUID, on db: any Database) async throws -> (token: String, expiresAt: Date) {
        let now = clock.now()
        let token = SecretToken.generate()
        let expiresAt = now.addingTimeInterval(ttlSeconds).wholeSeconds
        let (id, user, usedAt) = (CSRFToken.column(\.$id), CSRFToken.column(\.$userID), CSRFToken.column(\.$usedAt))
        // SQL rather than a model's `create`: Fluent reads a model's fields by reflection on
        // every save, which was a fifth of this route's CPU.
        let hash = SecretToken.hash(token)
        @Sendable func insert(on sql: any SQLDatabase) -> SQLInsertBuilder {
            sql.insert(into: CSRFToken.schema)
                .columns(id, user, CSRFToken.column(\.$tokenHash), CSRFToken.column(\.$expiresAt), CSRFToken.column(\.$createdAt),
                         CSRFToken.column(\.$createdAtMicros))
                .values(SQLBind(UUID()), SQLBind(userID), SQLBind(hash), SQLBind(expiresAt), SQLBind(now), SQLBind(now.microsecondsSince1970))
        }
        /// The user's unused tokens other than the `keep` newest.
        @Sendable func trim(on sql: any SQLDatabase, keep: Int) -> SQLDeleteBuilder {
            let newest = sql.select().column(id).from(CSRFToken.schema)
                .where(user, .equal, SQLBind(userID)).where(usedAt, .is, SQLLiteral.null)
                .orderBy(CSRFToken.column(\.$createdAtMicros).string, .descending).orderBy(id.string, .descending).limit(keep)
            return sql.delete(from: CSRFToken.schema)
                .where(user, .equal, SQLBind(userID)).where(usedAt, .is, SQLLiteral.null)
                .where(id, .notIn, SQLGroupExpression(newest.select))
        }
        if let postgres = db as? any PostgresDatabase {
            // One statement: the trim runs on the snapshot before the insert, so it keeps one
            // fewer than the cap, and the new token makes the cap.
            _ = try await postgres.query(Self.postgresStatements.issue, [
                PostgresData(uuid: UUID()), PostgresData(uuid: userID), PostgresData(string: hash), PostgresData(date: expiresAt),
                PostgresData(date: now), PostgresData(int64: now.microsecondsSince1970), PostgresData(int64: Int64(maxLiveTokensPerUser - 1)),
            ]).get()
        } else {
            // One transaction: one commit (one sync of the log) instead of two.
            try await db.atomic { tx in
                let sql = try tx.sql
                try await insert(on: sql).run()
                try await trim(on: sql, keep: maxLiveTokensPerUser).run()
            }
        }
        return (token, expiresAt)
    }

    /// Consumes `token` for `userID` with one conditional `DELETE ... RETURNING`: exactly one
    /// concurrent caller can win, whichever instance it reaches, and a used token leaves no row
    /// behind (the user's rows stay the few live ones, which keeps `issue`'s trim short).
    ///
    /// `used_at IS NULL` stays a condition: an instance of an earlier release marks a used
    /// token instead of deleting it (during a rolling deploy), and that token stays used.
    /// - Returns: whether this call consumed a valid, unexpired, unused token of this user.
    public func consume(_ token: String, for userID: UUID, on db: any Database) async throws -> Bool {
        let now = clock.now()
        let hash = SecretToken.hash(token)
        if let postgres = db as? any PostgresDatabase {
            let rows = try await postgres.query(Self.postgresStatements.consume,
                                                [PostgresData(string: hash), PostgresData(uuid: userID), PostgresData(date: now)]).get()
            return rows.rows.count == 1
        }
        let rows = try await db.sql.delete(from: CSRFToken.schema)
            .where(CSRFToken.column(\.$tokenHash), .equal, SQLBind(hash))
            .where(CSRFToken.column(\.$userID), .equal, SQLBind(userID))
            .where(CSRFToken.column(\.$usedAt), .is, SQLLiteral.null)
            .where(CSRFToken.column(\.$expiresAt), .greaterThan, SQLBind(now))
            .returning(CSRFToken.column(\.$id))
            .all()
        return rows.count == 1
    }

    /// The PostgreSQL text of `issue`'s and `consume`'s statements, written once per process:
    /// building and serializing them with SQLKit on every request was about a tenth of
    /// `GET /csrf-token`'s CPU. Column names come from `CSRFToken`; values are bound (`$n`).
    private static let postgresStatements: (issue: String, consume: String) = {
        func name<Property: AnyQueryableProperty>(_ property: KeyPath<CSRFToken, Property>) -> String {
            CSRFToken.column(property).quotedText
        }
        let table = SQLIdentifier(CSRFToken.schema).quotedText
        let (id, user, hash, expiresAt, usedAt) = (name(\.$id), name(\.$userID), name(\.$tokenHash), name(\.$expiresAt), name(\.$usedAt))
        let createdAtMicros = name(\.$createdAtMicros)
        // $1 id, $2 user, $3 hash, $4 expiry, $5 now, $6 now in microseconds, $7 live tokens kept
        // besides the new one: the user's unused tokens other than the $7 newest are dropped.
        let issue = """
            WITH issued AS (INSERT INTO \(table) (\(id), \(user), \(hash), \(expiresAt), \(name(\.$createdAt)), \(createdAtMicros)) \
            VALUES ($1, $2, $3, $4, $5, $6)) \
            DELETE FROM \(table) WHERE \(user) = $2 AND \(usedAt) IS NULL AND \(id) NOT IN (\
            SELECT \(id) FROM \(table) WHERE \(user) = $2 AND \(usedAt) IS NULL ORDER BY \(createdAtMicros) DESC, \(id) DESC LIMIT $7)
            """
        // $1 hash, $2 user, $3 now.
        let consume = """
            DELETE FROM \(table) WHERE \(hash) = $1 AND \(user) = $2 AND \(usedAt) IS NULL AND \(expiresAt) > $3 RETURNING \(id)
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
