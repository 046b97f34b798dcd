import Fluent
import Foundation
import SQLKit

/// Issues and consumes CSRF tokens (OWASP "synchronizer token pattern", kept in the database so
/// that any instance behind the load balancer accepts a token another one issued).
public struct CSRFService: Sendable {
    /// Token lifetime in seconds.
    public var ttlSeconds: Double
    /// Unused tokens kept per user: issuing one more drops the oldest (OWASP CSRF Prevention
    /// Cheat Sheet: tokens are per session, not an unbounded pile), so that a loop on
    /// `GET /csrf-token` cannot grow the table.
    public var maxLiveTokensPerUser = 20

    public init(ttlSeconds: Double) {
        self.ttlSeconds = ttlSeconds
    }

    /// Issues a token for `userID`, dropping that user's oldest unused tokens beyond
    /// `maxLiveTokensPerUser`.
    /// - Returns: the token (only ever seen by the caller) and its expiry.
    public func issue(for userID: UUID, on db: any Database, now: Date = Date()) async throws -> (token: String, expiresAt: Date) {
        let token = SecretToken.generate()
        let expiresAt = now.addingTimeInterval(ttlSeconds).wholeSeconds
        try await CSRFToken(userID: userID, tokenHash: SecretToken.hash(token), expiresAt: expiresAt, createdAtMicros: now.microsecondsSince1970).create(on: db)
        let sql = try db.sql
        let newest = sql.select().column("id").from(CSRFToken.schema)
            .where("user_id", .equal, SQLBind(userID)).where("used_at", .is, SQLLiteral.null)
            .orderBy("created_at_us", .descending).orderBy("id", .descending).limit(maxLiveTokensPerUser)
        try await sql.delete(from: CSRFToken.schema)
            .where("user_id", .equal, SQLBind(userID)).where("used_at", .is, SQLLiteral.null)
            .where("id", .notIn, SQLGroupExpression(newest.select))
            .run()
        return (token, expiresAt)
    }

    /// Consumes `token` for `userID` with one conditional `UPDATE`: exactly one concurrent caller
    /// can win, whichever instance it reaches.
    /// - Returns: whether this call consumed a valid, unexpired, unused token of this user.
    public func consume(_ token: String, for userID: UUID, on db: any Database, now: Date = Date()) async throws -> Bool {
        let rows = try await db.sql.update(CSRFToken.schema)
            .set("used_at", to: SQLBind(now))
            .where("token_hash", .equal, SQLBind(SecretToken.hash(token)))
            .where("user_id", .equal, SQLBind(userID))
            .where("used_at", .is, SQLLiteral.null)
            .where("expires_at", .greaterThan, SQLBind(now))
            .returning("id")
            .all()
        return rows.count == 1
    }

    /// Deletes expired tokens and tokens used more than an hour ago.
    /// - Returns: how many rows were removed.
    @discardableResult
    public func removeStale(on db: any Database, now: Date = Date()) async throws -> Int {
        let rows = try await db.sql.delete(from: CSRFToken.schema)
            .where("expires_at", .lessThan, SQLBind(now))
            .orWhere("used_at", .lessThan, SQLBind(now.addingTimeInterval(-3600)))
            .returning("id")
            .all()
        return rows.count
    }
}
