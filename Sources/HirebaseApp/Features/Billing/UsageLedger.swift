import Fluent
import Foundation
import SQLKit

/// Counts feature uses per user and period and enforces limits atomically
/// (`API.md` § Billing, `POST /verify-billing`).
///
/// N concurrent consumers of a limit L get exactly min(N, L) "allowed", on SQLite and
/// PostgreSQL alike: the increment is one conditional `UPDATE` on the counter row. A repeated
/// idempotency key returns the first answer without counting again.
struct UsageLedger: Sendable {
    /// The outcome of a check or consumption.
    struct Outcome: Sendable, Equatable {
        var allowed: Bool
        /// Uses in the period after this call (including it when it consumed).
        var used: Int
    }

    /// Uses so far in the period.
    static func used(userID: UUID, feature: String, periodStart: Date, on db: any Database) async throws -> Int {
        try await UsageCounter.query(on: db)
            .filter(\.$userID == userID).filter(\.$feature == feature)
            .filter(\.$periodStartMicros == periodStart.microsecondsSince1970)
            .first()?.used ?? 0
    }

    /// Whether `quantity` more uses fit, without recording anything.
    static func check(userID: UUID, feature: String, quantity: Int, limit: Int?, periodStart: Date, on db: any Database) async throws -> Outcome {
        let used = try await used(userID: userID, feature: feature, periodStart: periodStart, on: db)
        return Outcome(allowed: limit.map { used + quantity <= $0 } ?? true, used: used)
    }

    /// Records `quantity` uses when they fit `limit` (`nil` = unlimited); nothing when not.
    /// - Parameter idempotencyKey: when given and seen before for this user and feature, the
    ///   first answer is returned and nothing is counted.
    static func consume(
        userID: UUID, feature: String, quantity: Int, limit: Int?, periodStart: Date,
        idempotencyKey: String?, on db: any Database
    ) async throws -> Outcome {
        do {
            return try await db.atomic { tx in
                if let key = idempotencyKey, let earlier = try await record(userID: userID, feature: feature, key: key, on: tx) {
                    guard earlier.quantity == quantity else {
                        throw AppError.invalidField("idempotencyKey", "was used before with another quantity (\(earlier.quantity))")
                    }
                    return Outcome(allowed: earlier.allowed, used: earlier.used)
                }
                let start = periodStart.microsecondsSince1970
                try await tx.sql.insert(into: UsageCounter.schema)
                    .columns("id", "user_id", "feature", "period_start_us", "used")
                    .values(SQLBind(UUID()), SQLBind(userID), SQLBind(feature), SQLBind(start), SQLBind(0))
                    .ignoringConflicts(with: ["user_id", "feature", "period_start_us"])
                    .run()
                var update = try tx.sql.update(UsageCounter.schema)
                    .set("used", to: SQLBinaryExpression(SQLColumn("used"), .add, SQLBind(quantity)))
                    .where("user_id", .equal, SQLBind(userID))
                    .where("feature", .equal, SQLBind(feature))
                    .where("period_start_us", .equal, SQLBind(start))
                if let limit {
                    update = update.where(SQLBinaryExpression(SQLBinaryExpression(SQLColumn("used"), .add, SQLBind(quantity)), .lessThanOrEqual, SQLBind(limit)))
                }
                let rows = try await update.returning("used").all()
                let outcome: Outcome
                if let row = rows.first {
                    outcome = Outcome(allowed: true, used: try row.decode(column: "used", as: Int.self))
                } else {
                    outcome = Outcome(allowed: false, used: try await used(userID: userID, feature: feature, periodStart: periodStart, on: tx))
                }
                if let key = idempotencyKey {
                    let record = UsageRecord()
                    record.userID = userID
                    record.feature = feature
                    record.idempotencyKey = key
                    record.periodStartMicros = start
                    record.quantity = quantity
                    record.allowed = outcome.allowed
                    record.used = outcome.used
                    try await record.create(on: tx)
                }
                return outcome
            }
        } catch {
            // A concurrent request with the same idempotency key won; ours rolled back whole.
            guard let constraint = error as? any DatabaseError, constraint.isConstraintFailure, let key = idempotencyKey,
                  let earlier = try await record(userID: userID, feature: feature, key: key, on: db) else { throw error }
            return Outcome(allowed: earlier.allowed, used: earlier.used)
        }
    }

    private static func record(userID: UUID, feature: String, key: String, on db: any Database) async throws -> UsageRecord? {
        try await UsageRecord.query(on: db).filter(\.$userID == userID).filter(\.$feature == feature).filter(\.$idempotencyKey == key).first()
    }
}
