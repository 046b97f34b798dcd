import BillingCore
import Fluent
import Foundation
import SQLKit

/// Every query of billing: the user's stored subscription (`subscriptions`), the link to the
/// user's Stripe customer (`stripe_customers`), the record of applied Stripe events
/// (`stripe_events`), the per-user billing lock, and the usage ledger (`usage_counters`,
/// `usage_records`). SQLKit statements take column names from the models (`Fields.column`).
///
/// A value over one `Database`; ``transaction(_:)`` gives a store over the transaction.
struct BillingStore: Sendable {
    let db: any Database

    /// Runs `body` in one write transaction (`Database.atomic`: PostgreSQL transaction, SQLite
    /// `BEGIN IMMEDIATE` behind the process's write gate), with a store over it.
    /// - Throws: whatever `body` throws, after rolling back.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (BillingStore) async throws -> T) async throws -> T {
        try await db.atomic { tx in try await body(BillingStore(db: tx)) }
    }

    /// Serializes billing changes of one user until the transaction ends: on PostgreSQL a
    /// transaction-scoped advisory lock on `billing:<user id>` (across instances); on SQLite
    /// nothing, whose write transactions are serialized already. Call inside ``transaction(_:)``.
    func lockBilling(of userID: UUID) async throws {
        guard db.isPostgres else { return }
        try await db.sql.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: "billing:" + userID.lowercased), 0))").run()
    }

    // MARK: - Subscriptions

    /// The user's stored subscription, if any.
    func subscription(of userID: UUID) async throws -> SubscriptionRecord? {
        try await BillingSubscription.find(userID, on: db).map(Self.record)
    }

    /// The user whose stored subscription is `subscriptionID`, if any.
    func user(ofSubscription subscriptionID: String) async throws -> UUID? {
        try await BillingSubscription.query(on: db).filter(\.$subscriptionID == subscriptionID).first()?.id
    }

    /// Writes `record` as the user's subscription (creating the row or replacing its values).
    func save(_ record: SubscriptionRecord, for userID: UUID, at now: Date) async throws {
        let existing = try await BillingSubscription.find(userID, on: db)
        let row = existing ?? BillingSubscription()
        let subscription = record.subscription
        row.id = userID
        row.subscriptionID = subscription.id
        row.customerID = subscription.customerID ?? ""
        row.plan = record.plan
        row.priceID = subscription.priceID
        row.status = subscription.status.rawValue
        row.currentPeriodStart = subscription.currentPeriodStart
        row.currentPeriodEnd = subscription.currentPeriodEnd
        row.cancelAtPeriodEnd = subscription.cancelAtPeriodEnd
        row.watermark = Int64(record.watermark.created)
        row.updatedAt = now
        if existing == nil { try await row.create(on: db) } else { try await row.update(on: db) }
    }

    private static func record(_ row: BillingSubscription) -> SubscriptionRecord {
        let subscription = Subscription(
            id: row.subscriptionID, customerID: row.customerID.isEmpty ? nil : row.customerID,
            status: SubscriptionStatus(rawValue: row.status), cancelAtPeriodEnd: row.cancelAtPeriodEnd,
            currentPeriodStart: row.currentPeriodStart, currentPeriodEnd: row.currentPeriodEnd, priceID: row.priceID)
        return SubscriptionRecord(subscription: subscription, plan: row.plan, watermark: StripeWatermark(created: Int(row.watermark)))
    }

    // MARK: - Customers

    /// The user's Stripe customer id, if linked.
    func customerID(of userID: UUID) async throws -> String? {
        try await StripeCustomerLink.find(userID, on: db)?.customerID
    }

    /// The user linked to Stripe customer `customerID`, if any.
    func user(ofCustomer customerID: String) async throws -> UUID? {
        try await StripeCustomerLink.query(on: db).filter(\.$customerID == customerID).first()?.id
    }

    /// Links the user to Stripe customer `customerID` unless the user has a customer already:
    /// the first link stays (concurrent first checkouts insert once; the others are ignored).
    func linkCustomer(_ customerID: String, to userID: UUID, at now: Date) async throws {
        try await db.sql.insert(into: StripeCustomerLink.schema)
            .columns(StripeCustomerLink.column(\.$id), StripeCustomerLink.column(\.$customerID), StripeCustomerLink.column(\.$createdAt))
            .values(SQLBind(userID), SQLBind(customerID), SQLBind(now))
            .ignoringConflicts()
            .run()
    }

    // MARK: - Stripe events

    /// Whether the event `id` has been recorded (applied or acknowledged) before.
    func hasEvent(_ id: String) async throws -> Bool {
        try await StripeEventRecord.find(id, on: db) != nil
    }

    /// Records the event; a second record of the same id fails with a constraint error.
    func recordEvent(_ event: StripeEvent, at now: Date) async throws {
        let record = StripeEventRecord()
        record.id = event.id
        record.type = event.type
        record.created = Int64(event.created)
        record.receivedAt = now
        try await record.create(on: db)
    }

    // MARK: - Usage ledger

    /// The outcome of a usage check or consumption.
    struct UsageOutcome: Sendable, Equatable {
        var allowed: Bool
        /// Uses in the period after this call (including it when it consumed).
        var used: Int
    }

    /// Uses of `feature` by the user so far in the period starting at `periodStart`.
    func used(_ feature: PlanFeature, by userID: UUID, periodStart: Date) async throws -> Int {
        try await UsageCounter.query(on: db)
            .filter(\.$userID == userID).filter(\.$feature == feature.rawValue)
            .filter(\.$periodStartMicros == periodStart.microsecondsSince1970)
            .first()?.used ?? 0
    }

    /// Uses of every feature by the user in the period starting at `periodStart`, in one query
    /// (features without a counter row are 0).
    func usage(by userID: UUID, periodStart: Date) async throws -> [PlanFeature: Int] {
        let rows = try await UsageCounter.query(on: db)
            .filter(\.$userID == userID)
            .filter(\.$periodStartMicros == periodStart.microsecondsSince1970)
            .all()
        var used = Dictionary(uniqueKeysWithValues: PlanFeature.allCases.map { ($0, 0) })
        for row in rows { if let feature = PlanFeature(rawValue: row.feature) { used[feature] = row.used } }
        return used
    }

    /// Whether `quantity` more uses fit `limit` (`nil` = unlimited), recording nothing.
    func checkUsage(_ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date) async throws -> UsageOutcome {
        let used = try await used(feature, by: userID, periodStart: periodStart)
        return UsageOutcome(allowed: limit.map { used + quantity <= $0 } ?? true, used: used)
    }

    /// Records `quantity` uses when they fit `limit` (`nil` = unlimited); nothing when not.
    ///
    /// N concurrent consumers of a limit L get exactly min(N, L) "allowed", on SQLite and
    /// PostgreSQL alike: the increment is one conditional `UPDATE` on the counter row. Runs in the
    /// caller's transaction where there is one, so that a failed action counts nothing.
    /// - Parameter idempotencyKey: when given and seen before for this user and feature, the
    ///   first answer is returned and nothing is counted.
    /// - Throws: 400 when the key was used before with another quantity.
    func consumeUsage(
        _ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date, idempotencyKey: String?, at now: Date
    ) async throws -> UsageOutcome {
        do {
            return try await transaction { store in
                try await store.consumeLocked(feature, quantity: quantity, limit: limit, by: userID, periodStart: periodStart,
                                              idempotencyKey: idempotencyKey, at: now)
            }
        } catch {
            // A concurrent request with the same idempotency key won; ours rolled back whole.
            guard let constraint = error as? any DatabaseError, constraint.isConstraintFailure, let key = idempotencyKey,
                  let earlier = try await usageRecord(feature, by: userID, key: key) else { throw error }
            return UsageOutcome(allowed: earlier.allowed, used: earlier.used)
        }
    }

    private func consumeLocked(
        _ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date, idempotencyKey: String?, at now: Date
    ) async throws -> UsageOutcome {
        if let key = idempotencyKey, let earlier = try await usageRecord(feature, by: userID, key: key) {
            guard earlier.quantity == quantity else {
                throw AppError.invalidField("idempotencyKey", "was used before with another quantity (\(earlier.quantity))")
            }
            return UsageOutcome(allowed: earlier.allowed, used: earlier.used)
        }
        let (user, featureColumn, period, used) = (UsageCounter.column(\.$userID), UsageCounter.column(\.$feature),
                                                   UsageCounter.column(\.$periodStartMicros), UsageCounter.column(\.$used))
        let start = periodStart.microsecondsSince1970
        try await db.sql.insert(into: UsageCounter.schema)
            .columns(UsageCounter.column(\.$id), user, featureColumn, period, used)
            .values(SQLBind(UUID()), SQLBind(userID), SQLBind(feature.rawValue), SQLBind(start), SQLBind(0))
            .ignoringConflicts(with: [user.string, featureColumn.string, period.string])
            .run()
        var update = try db.sql.update(UsageCounter.schema)
            .set(used, to: SQLBinaryExpression(used, .add, SQLBind(quantity)))
            .where(user, .equal, SQLBind(userID))
            .where(featureColumn, .equal, SQLBind(feature.rawValue))
            .where(period, .equal, SQLBind(start))
        if let limit {
            update = update.where(SQLBinaryExpression(SQLBinaryExpression(used, .add, SQLBind(quantity)), .lessThanOrEqual, SQLBind(limit)))
        }
        let rows = try await update.returning(used).all()
        let outcome: UsageOutcome
        if let row = rows.first {
            outcome = UsageOutcome(allowed: true, used: try row.decode(column: used.string, as: Int.self))
        } else {
            outcome = UsageOutcome(allowed: false, used: try await self.used(feature, by: userID, periodStart: periodStart))
        }
        if let key = idempotencyKey {
            let record = UsageRecord()
            record.userID = userID
            record.feature = feature.rawValue
            record.idempotencyKey = key
            record.periodStartMicros = start
            record.quantity = quantity
            record.allowed = outcome.allowed
            record.used = outcome.used
            record.createdAt = now
            try await record.create(on: db)
        }
        return outcome
    }

    private func usageRecord(_ feature: PlanFeature, by userID: UUID, key: String) async throws -> UsageRecord? {
        try await UsageRecord.query(on: db)
            .filter(\.$userID == userID).filter(\.$feature == feature.rawValue).filter(\.$idempotencyKey == key)
            .first()
    }
}
