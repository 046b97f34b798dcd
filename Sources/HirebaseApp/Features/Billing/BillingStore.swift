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
        let (user, subscription) = (BillingSubscription.column(\.$id), BillingSubscription.column(\.$subscriptionID))
        return try await db.sql.raw("""
            SELECT \(user) FROM \(ident: BillingSubscription.schema) WHERE \(subscription) = \(bind: subscriptionID) LIMIT 1
            """).first()?.decode(column: user.string, as: UUID.self)
    }

    /// Writes `record` as the user's subscription (creating the row or replacing its values):
    /// one upsert, with SQLKit rather than a model's save (Fluent reflects over the model).
    func save(_ record: SubscriptionRecord, for userID: UUID, at now: Date) async throws {
        let subscription = record.subscription
        typealias Row = BillingSubscription
        let key = Row.column(\.$id)
        let values: [(SQLIdentifier, any Encodable & Sendable)] = [
            (Row.column(\.$subscriptionID), subscription.id),
            (Row.column(\.$customerID), subscription.customerID ?? ""),
            (Row.column(\.$plan), record.plan),
            (Row.column(\.$priceID), subscription.priceID),
            (Row.column(\.$status), subscription.status.rawValue),
            (Row.column(\.$currentPeriodStart), subscription.currentPeriodStart),
            (Row.column(\.$currentPeriodEnd), subscription.currentPeriodEnd),
            (Row.column(\.$cancelAtPeriodEnd), subscription.cancelAtPeriodEnd),
            (Row.column(\.$watermark), Int64(record.watermark.created)),
            (Row.column(\.$updatedAt), now),
        ]
        try await db.sql.insert(into: Row.schema)
            .columns([key] + values.map(\.0))
            .values([SQLBind(userID)] + values.map { SQLBind($0.1) })
            .onConflict(with: [key]) { update in
                values.reduce(update) { $0.set(excludedValueOf: $1.0) }
            }
            .run()
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

    /// The user linked to Stripe customer `customerID`, if any (`customer_id` is unique).
    func user(ofCustomer customerID: String) async throws -> UUID? {
        let (links, user, customer) = (SQLIdentifier(StripeCustomerLink.schema), StripeCustomerLink.column(\.$id), StripeCustomerLink.column(\.$customerID))
        return try await db.sql.raw("SELECT \(user) FROM \(links) WHERE \(customer) = \(bind: customerID)")
            .first()?.decode(column: user.string, as: UUID.self)
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
        try await db.sql.raw("SELECT 1 AS found FROM \(ident: StripeEventRecord.schema) WHERE \(unsafeRaw: Columns.eventID) = \(bind: id)").first() != nil
    }

    /// Records the event unless its id is recorded already, in one statement (`INSERT ... ON
    /// CONFLICT DO NOTHING RETURNING`). A concurrent transaction recording the same id makes this
    /// one wait for its end on PostgreSQL, then answer `false` if it committed.
    /// - Returns: whether this call recorded it (`false`: a replay).
    func recordEvent(_ event: StripeEvent, at now: Date) async throws -> Bool {
        try await db.sql.raw("\(Self.insertEvent(event, at: now)) RETURNING \(unsafeRaw: Columns.eventID)").first() != nil
    }

    /// What ``recordEventAndReplace(_:with:keepingStoredCustomer:keepingStoredPlan:of:at:)`` did.
    struct SubscriptionEventOutcome: Sendable, Equatable {
        /// Whether the event was recorded by this call (`false`: a replay, nothing else done).
        var recorded: Bool
        /// Whether the user's stored subscription was written (`false` when the rules kept it).
        var stored: Bool
    }

    /// A subscription event (`customer.subscription.*`) recorded by id and applied to the user's
    /// stored subscription at once, without reading the stored row first: the one path of the
    /// hot webhook.
    ///
    /// The write is an upsert whose `ON CONFLICT ... DO UPDATE ... WHERE` is the SQL form of
    /// `SubscriptionReducer`'s rules for a subscription replacing the stored one (the reducer's
    /// `replace`; the two are checked case by case against each other by `SubscriptionUpsertTests`):
    /// with S the stored row and I the incoming state at watermark W, the row is replaced when
    /// - I is an ended subscription (`SubscriptionStatus.isTerminal`): S is the same subscription
    ///   and S's watermark <= W;
    /// - else: S is the same subscription, not ended, and S's watermark <= W; or S is another
    ///   subscription and S's watermark < W (same-second news of another subscription keeps S).
    /// The values written are `fresh` (the reducer's record for I when nothing is stored), but an
    /// existing row keeps its customer when I names none and its plan when I has no price.
    ///
    /// PostgreSQL: one statement and one round trip, its own transaction: the event insert, then
    /// the user's billing lock (`pg_advisory_xact_lock`, as ``lockBilling(of:)``, so that it orders
    /// with the read-then-write changes of confirmations, cancellations and syncs), then the
    /// upsert, whose conflict check reads the newest committed row (not the statement's snapshot)
    /// and announces a written row to every instance (`pg_notify`, delivered at commit). SQLite:
    /// the event insert and the upsert in one write transaction (its writers are serialized).
    /// - Parameters:
    ///   - fresh: the record to store when the user has none, as `SubscriptionReducer.apply` makes
    ///     it (its watermark is the event's).
    ///   - keepingStoredCustomer: the incoming subscription names no customer.
    ///   - keepingStoredPlan: the incoming subscription has no price.
    /// - Throws: the driver's errors (nothing is stored then).
    func recordEventAndReplace(
        _ event: StripeEvent, with fresh: SubscriptionRecord, keepingStoredCustomer: Bool, keepingStoredPlan: Bool, of userID: UUID, at now: Date
    ) async throws -> SubscriptionEventOutcome {
        let upsert = Self.subscriptionUpsert(fresh, keepingStoredCustomer: keepingStoredCustomer, keepingStoredPlan: keepingStoredPlan)
        let values = Self.subscriptionValues(fresh, of: userID, at: now)
        if db.isPostgres {
            // Typed casts: the values are selected (from the lock's row), not inserted as VALUES,
            // so PostgreSQL cannot take their types from the columns (a NULL would be text).
            var selected: SQLQueryString = ""
            for (offset, (value, type)) in zip(values, Columns.postgresTypes).enumerated() {
                selected.appendInterpolation(unsafeRaw: offset == 0 ? "" : ", ")
                selected.appendInterpolation(value)
                selected.appendInterpolation(unsafeRaw: "::" + type)
            }
            let statement: SQLQueryString = """
                WITH recorded AS (\(Self.insertEvent(event, at: now)) RETURNING \(unsafeRaw: Columns.eventID)), \
                locked AS (SELECT pg_advisory_xact_lock(hashtextextended(\(bind: "billing:" + userID.lowercased), 0)) FROM recorded), \
                stored AS (INSERT INTO \(unsafeRaw: Columns.subscriptions) (\(unsafeRaw: Columns.subscriptionColumns)) SELECT \(selected) FROM locked \
                \(upsert) RETURNING pg_notify(\(bind: ChangeAnnouncement.channel), \(bind: ChangeAnnouncement.billing(userID).payload))) \
                SELECT (SELECT count(*) FROM recorded) AS recorded, (SELECT count(*) FROM stored) AS stored
                """
            guard let row = try await db.sql.raw(statement).first() else { return SubscriptionEventOutcome(recorded: false, stored: false) }
            return SubscriptionEventOutcome(recorded: try row.decode(column: "recorded", as: Int.self) > 0,
                                            stored: try row.decode(column: "stored", as: Int.self) > 0)
        }
        return try await transaction { store in
            guard try await store.recordEvent(event, at: now) else { return SubscriptionEventOutcome(recorded: false, stored: false) }
            let statement: SQLQueryString = """
                INSERT INTO \(unsafeRaw: Columns.subscriptions) (\(unsafeRaw: Columns.subscriptionColumns)) VALUES (\(SQLList(values))) \
                \(upsert) RETURNING \(unsafeRaw: Columns.userID)
                """
            let stored = try await store.db.sql.raw(statement).first() != nil
            return SubscriptionEventOutcome(recorded: true, stored: stored)
        }
    }

    /// `INSERT INTO stripe_events ... ON CONFLICT (event_id) DO NOTHING` for `event`.
    private static func insertEvent(_ event: StripeEvent, at now: Date) -> SQLQueryString {
        """
        \(unsafeRaw: Columns.insertEvent) VALUES (\(bind: event.id), \(bind: event.type), \(bind: Int64(event.created)), \(bind: now)) \
        ON CONFLICT (\(unsafeRaw: Columns.eventID)) DO NOTHING
        """
    }

    /// The bound values of a subscription row, in the order of `Columns.subscriptionColumns`
    /// (as ``save(_:for:at:)`` writes them: a missing customer is `""`).
    private static func subscriptionValues(_ record: SubscriptionRecord, of userID: UUID, at now: Date) -> [any SQLExpression] {
        let subscription = record.subscription
        return [
            SQLBind(userID), SQLBind(subscription.id), SQLBind(subscription.customerID ?? ""), SQLBind(record.plan),
            SQLBind(subscription.priceID), SQLBind(subscription.status.rawValue), SQLBind(subscription.currentPeriodStart),
            SQLBind(subscription.currentPeriodEnd), SQLBind(subscription.cancelAtPeriodEnd), SQLBind(Int64(record.watermark.created)),
            SQLBind(now),
        ]
    }

    /// The `ON CONFLICT (user_id) DO UPDATE SET ... WHERE <the reducer's replace rules>` of
    /// ``recordEventAndReplace(_:with:keepingStoredCustomer:keepingStoredPlan:of:at:)``.
    private static func subscriptionUpsert(_ fresh: SubscriptionRecord, keepingStoredCustomer: Bool, keepingStoredPlan: Bool) -> SQLQueryString {
        let set = Columns.replacedColumns[(keepingStoredCustomer ? 1 : 0) + (keepingStoredPlan ? 2 : 0)]
        let (id, watermark) = (fresh.subscription.id, Int64(fresh.watermark.created))
        let (storedID, storedWatermark) = (Columns.storedSubscriptionID, Columns.storedWatermark)
        if fresh.subscription.status.isTerminal {
            return """
                ON CONFLICT (\(unsafeRaw: Columns.userID)) DO UPDATE SET \(unsafeRaw: set) \
                WHERE \(unsafeRaw: storedID) = \(bind: id) AND \(unsafeRaw: storedWatermark) <= \(bind: watermark)
                """
        }
        return """
            ON CONFLICT (\(unsafeRaw: Columns.userID)) DO UPDATE SET \(unsafeRaw: set) \
            WHERE (\(unsafeRaw: storedID) = \(bind: id) AND \(unsafeRaw: storedWatermark) <= \(bind: watermark) \
            AND \(unsafeRaw: Columns.storedStatus) NOT IN (\(binds: Columns.terminalStatuses))) \
            OR (\(unsafeRaw: storedID) <> \(bind: id) AND \(unsafeRaw: storedWatermark) < \(bind: watermark))
            """
    }

    /// The table and column names of the webhook's statements (`Fields.column`), quoted once:
    /// SQLKit's quoting of each identifier on every statement was 5% of a webhook's CPU on
    /// SQLite. Both dialects quote identifiers alike (`"name"`, an inner `"` doubled).
    private enum Columns {
        static let eventID = StripeEventRecord.column(\.$id).quotedText
        /// `INSERT INTO "stripe_events" ("event_id", "type", "created", "received_at")`.
        static let insertEvent = "INSERT INTO \(SQLIdentifier(StripeEventRecord.schema).quotedText) (" + [
            eventID, StripeEventRecord.column(\.$type).quotedText, StripeEventRecord.column(\.$created).quotedText,
            StripeEventRecord.column(\.$receivedAt).quotedText,
        ].joined(separator: ", ") + ")"
        static let subscriptions = SQLIdentifier(BillingSubscription.schema).quotedText
        static let userID = BillingSubscription.column(\.$id).quotedText
        /// Every column of `subscriptions`, the key first, in the order of `subscriptionValues`.
        static let subscriptionNames: [String] = [
            userID, BillingSubscription.column(\.$subscriptionID).quotedText, BillingSubscription.column(\.$customerID).quotedText,
            BillingSubscription.column(\.$plan).quotedText, BillingSubscription.column(\.$priceID).quotedText, BillingSubscription.column(\.$status).quotedText,
            BillingSubscription.column(\.$currentPeriodStart).quotedText, BillingSubscription.column(\.$currentPeriodEnd).quotedText,
            BillingSubscription.column(\.$cancelAtPeriodEnd).quotedText, BillingSubscription.column(\.$watermark).quotedText,
            BillingSubscription.column(\.$updatedAt).quotedText,
        ]
        static let subscriptionColumns = subscriptionNames.joined(separator: ", ")
        /// Their PostgreSQL types, in the same order.
        static let postgresTypes = ["uuid", "text", "text", "text", "text", "text", "timestamptz", "timestamptz", "boolean", "bigint", "timestamptz"]
        /// `"subscription_id" = excluded."subscription_id", ...` for every column but the key, at
        /// [0]; without the customer at [1], the plan at [2], both at [3].
        static let replacedColumns: [String] = (0..<4).map { variant in
            subscriptionNames.dropFirst().filter { name in
                !(variant & 1 != 0 && name == BillingSubscription.column(\.$customerID).quotedText)
                    && !(variant & 2 != 0 && name == BillingSubscription.column(\.$plan).quotedText)
            }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        }
        static let storedSubscriptionID = subscriptions + "." + BillingSubscription.column(\.$subscriptionID).quotedText
        static let storedWatermark = subscriptions + "." + BillingSubscription.column(\.$watermark).quotedText
        static let storedStatus = subscriptions + "." + BillingSubscription.column(\.$status).quotedText
        /// The spellings of the statuses an ended subscription has (`SubscriptionStatus.isTerminal`).
        static let terminalStatuses: [String] = [
            SubscriptionStatus.incomplete, .incompleteExpired, .trialing, .active, .pastDue, .canceled, .unpaid, .paused,
        ].filter(\.isTerminal).map(\.rawValue)
    }

    // MARK: - Usage ledger

    /// The outcome of a usage check or consumption.
    struct UsageOutcome: Sendable, Equatable {
        var allowed: Bool
        /// Uses in the period after this call (including it when it consumed).
        var used: Int
        /// Whether this call added to the count (not a refusal, a check or a replayed key).
        var counted = false
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
    /// PostgreSQL alike: the increment is one conditional upsert of the counter row
    /// (``countUses(_:quantity:limit:by:periodStart:)``). Without an idempotency key that one
    /// statement is the whole call (it runs in the caller's transaction where there is one, so
    /// that a failed action counts nothing); with a key, the key's record is read and written in
    /// the same transaction as the count.
    /// - Parameter idempotencyKey: when given and seen before for this user and feature, the
    ///   first answer is returned and nothing is counted.
    /// - Throws: 400 when the key was used before with another quantity.
    func consumeUsage(
        _ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date, idempotencyKey: String?, at now: Date
    ) async throws -> UsageOutcome {
        guard let key = idempotencyKey else {
            return try await countUses(feature, quantity: quantity, limit: limit, by: userID, periodStart: periodStart)
        }
        do {
            return try await transaction { store in
                try await store.consumeOnce(feature, quantity: quantity, limit: limit, by: userID, periodStart: periodStart,
                                            idempotencyKey: key, at: now)
            }
        } catch {
            // A concurrent request with the same idempotency key won; ours rolled back whole.
            guard let constraint = error as? any DatabaseError, constraint.isConstraintFailure,
                  let earlier = try await usageRecord(feature, by: userID, key: key) else { throw error }
            return try Self.replay(earlier, quantity: quantity)
        }
    }

    /// The first answer given with an idempotency key, for a call with the same key (first
    /// seen before it, or committed by a concurrent call while it ran).
    /// - Throws: 400 when the key was used with another quantity.
    private static func replay(_ earlier: UsageRecord, quantity: Int) throws -> UsageOutcome {
        guard earlier.quantity == quantity else {
            throw AppError.invalidField("idempotencyKey", "was used before with another quantity (\(earlier.quantity))")
        }
        return UsageOutcome(allowed: earlier.allowed, used: earlier.used, counted: false)
    }

    private func consumeOnce(
        _ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date, idempotencyKey key: String, at now: Date
    ) async throws -> UsageOutcome {
        if let earlier = try await usageRecord(feature, by: userID, key: key) {
            return try Self.replay(earlier, quantity: quantity)
        }
        let outcome = try await countUses(feature, quantity: quantity, limit: limit, by: userID, periodStart: periodStart)
        let record = UsageRecord()
        record.userID = userID
        record.feature = feature.rawValue
        record.idempotencyKey = key
        record.periodStartMicros = periodStart.microsecondsSince1970
        record.quantity = quantity
        record.allowed = outcome.allowed
        record.used = outcome.used
        record.createdAt = now
        try await record.create(on: db)
        return outcome
    }

    /// Adds `quantity` to the user's counter of `feature` for the period when the sum fits
    /// `limit`, in one statement: an `INSERT ... SELECT ... WHERE fits ON CONFLICT DO UPDATE
    /// ... WHERE fits RETURNING used` (SQLite's upsert needs the `WHERE` on its `SELECT`, and
    /// the same text runs on PostgreSQL). On PostgreSQL a counted use is announced to every
    /// instance in the same statement (`pg_notify` of `ChangeAnnouncement.usage`, delivered at
    /// commit: the subscription did not change, so instances keep it).
    private func countUses(_ feature: PlanFeature, quantity: Int, limit: Int?, by userID: UUID, periodStart: Date) async throws -> UsageOutcome {
        let (id, user, featureColumn, period, used) = (UsageCounter.column(\.$id), UsageCounter.column(\.$userID), UsageCounter.column(\.$feature),
                                                       UsageCounter.column(\.$periodStartMicros), UsageCounter.column(\.$used))
        let table = SQLIdentifier(UsageCounter.schema)
        func fits(_ current: any SQLExpression) -> any SQLExpression {
            guard let limit else { return SQLLiteral.boolean(true) }
            return SQLBinaryExpression(SQLBinaryExpression(current, .add, SQLBind(quantity)), .lessThanOrEqual, SQLBind(limit))
        }
        let current = SQLColumn(used, table: table)
        var upsert: SQLQueryString = """
            INSERT INTO \(table) (\(id), \(user), \(featureColumn), \(period), \(used))
            SELECT \(bind: UUID()), \(bind: userID), \(bind: feature.rawValue), \(bind: periodStart.microsecondsSince1970), \(bind: quantity)
            WHERE \(fits(SQLLiteral.numeric("0")))
            ON CONFLICT (\(user), \(featureColumn), \(period)) DO UPDATE SET \(used) = \(current) + \(bind: quantity) WHERE \(fits(current))
            RETURNING \(used)
            """
        if db.isPostgres {
            upsert = """
                WITH counted AS (\(upsert)) SELECT counted.\(used), pg_notify(\(bind: ChangeAnnouncement.channel), \(bind: ChangeAnnouncement.usage(userID).payload)) FROM counted
                """
        }
        if let row = try await db.sql.raw(upsert).first() {
            return UsageOutcome(allowed: true, used: try row.decode(column: used.string, as: Int.self), counted: true)
        }
        return UsageOutcome(allowed: false, used: try await self.used(feature, by: userID, periodStart: periodStart), counted: false)
    }

    /// Tells every instance that the user's billing (subscription or usage) changed: on
    /// PostgreSQL a `pg_notify` in the current transaction, delivered when it commits (see
    /// `ChangeListener`); nothing on SQLite, whose one process drops its own cache.
    ///
    /// Written out here on purpose: the same statement in an async method taking a
    /// `ChangeAnnouncement` (an extension of `Database`, then of the enum) crashed release builds
    /// of Swift 6.3.1 with a bad existential inside the webhook's transaction (debug builds ran),
    /// found by `scripts/bench/run`.
    func announceChange(of userID: UUID) async throws {
        guard db.isPostgres else { return }
        let payload = ChangeAnnouncement.billing(userID).payload
        try await db.sql.raw("SELECT pg_notify(\(bind: ChangeAnnouncement.channel), \(bind: payload))").run()
    }

    private func usageRecord(_ feature: PlanFeature, by userID: UUID, key: String) async throws -> UsageRecord? {
        try await UsageRecord.query(on: db)
            .filter(\.$userID == userID).filter(\.$feature == feature.rawValue).filter(\.$idempotencyKey == key)
            .first()
    }
}
