import BillingCore
import Fluent
import Foundation
import Logging
import SQLKit

/// Applies Stripe events to the stored subscriptions, once each and in the order of Stripe's
/// state: a subscription row keeps the `created` time of the newest event applied (its
/// watermark), and an older event never overwrites it, so `customer.subscription.updated`
/// arriving before `.created` still ends with the newer state.
struct StripeEventApplier: Sendable {
    enum Outcome: Sendable, Equatable {
        case applied, duplicate, ignored
    }

    let plans: PlanCatalog
    let cache: SubscriptionCache
    /// Reads a subscription from Stripe (for `checkout.session.completed`, whose event does not
    /// carry the subscription's period or price); nil when Stripe is not configured.
    let fetchSubscription: (@Sendable (String) async throws -> SubscriptionFacts)?

    /// Records and applies the event in one transaction.
    /// - Throws: whatever applying throws (the caller answers 500; Stripe retries).
    func receive(_ event: StripeEvent, on db: any Database, logger: Logger) async throws -> Outcome {
        guard let type = event.handledType else {
            logger.debug("Stripe event ignored", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
            return .ignored
        }
        // A replay needs no Stripe call (and must not fail because Stripe is down).
        if try await StripeEventRecord.find(event.id, on: db) != nil { return .duplicate }
        // Fetched before the transaction: no network call while holding the write lock.
        var fetched: SubscriptionFacts?
        if type == .checkoutSessionCompleted, let fetch = fetchSubscription,
           let session = try? CheckoutSessionView(object: event.dataObject), let subscriptionID = session.subscriptionID {
            fetched = try await fetch(subscriptionID)
        }
        let prefetched = fetched
        var touched: UUID?
        do {
            touched = try await db.atomic { tx -> UUID? in
                if try await StripeEventRecord.find(event.id, on: tx) != nil { throw Duplicate() }
                let record = StripeEventRecord()
                record.id = event.id
                record.type = event.type
                record.created = Int64(event.created)
                try await record.create(on: tx)
                return try await apply(event, type: type, subscription: prefetched, on: tx, logger: logger)
            }
        } catch is Duplicate {
            return .duplicate
        } catch let malformed as StripeEventError {
            // A signed event whose object we cannot read will not read better on Stripe's
            // retries (for days): acknowledge it, and say so loudly.
            logger.error("Stripe event could not be read; acknowledged without effect", metadata: [
                "type": .string(event.type), "event-id": .string(event.id), "error": .string(String(describing: malformed)),
            ])
            return .ignored
        } catch {
            // The same event delivered twice at once: the other delivery recorded it.
            if let constraint = error as? any DatabaseError, constraint.isConstraintFailure,
               try await StripeEventRecord.find(event.id, on: db) != nil {
                return .duplicate
            }
            throw error
        }
        if let touched { await cache.invalidate(touched) }
        logger.info("Stripe event applied", metadata: ["type": .string(event.type), "event-id": .string(event.id)])
        return .applied
    }

    private struct Duplicate: Error {}

    /// - Returns: the user whose billing changed, if any.
    private func apply(_ event: StripeEvent, type: StripeEventType, subscription prefetched: SubscriptionFacts?, on db: any Database, logger: Logger) async throws -> UUID? {
        switch type {
        case .checkoutSessionCompleted:
            let session = try CheckoutSessionView(object: event.dataObject)
            guard let userID = (session.clientReferenceID ?? session.userID).flatMap(UUID.init(uuidString:)), let customerID = session.customerID else {
                logger.warning("checkout session without our user id", metadata: ["event-id": .string(event.id)])
                return nil
            }
            try await linkCustomer(customerID, to: userID, on: db)
            if let prefetched {
                try await Self.lockBilling(of: userID, on: db)
                try await storeLocked(prefetched, userID: userID, watermark: Int64(event.created), on: db)
            }
            return userID
        case .customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted:
            let view = try SubscriptionView(object: event.dataObject)
            guard let userID = try await user(for: view.userID, customerID: view.customerID, on: db) else {
                logger.warning("subscription of an unknown customer", metadata: ["event-id": .string(event.id)])
                return nil
            }
            var facts = SubscriptionFacts(view)
            if type == .customerSubscriptionDeleted { facts.status = "canceled" }
            try await Self.lockBilling(of: userID, on: db)
            try await storeLocked(facts, userID: userID, watermark: Int64(event.created), on: db)
            return userID
        case .invoicePaid, .invoicePaymentFailed:
            let invoice = try InvoiceView(object: event.dataObject)
            guard let subscriptionID = invoice.subscriptionID,
                  let found = try await BillingSubscription.query(on: db).filter(\.$subscriptionID == subscriptionID).first(),
                  let userID = found.id else {
                return nil
            }
            try await Self.lockBilling(of: userID, on: db)
            guard let row = try await BillingSubscription.find(userID, on: db), row.subscriptionID == subscriptionID else { return userID }
            // Stale news, or news of an ended subscription (canceled is final), change nothing.
            guard Int64(event.created) >= row.watermark, !SubscriptionView.terminalStatuses.contains(row.status) else { return row.id }
            if type == .invoicePaymentFailed {
                row.status = "past_due"
            } else if row.status == "past_due" || row.status == "unpaid" || row.status == "incomplete" {
                row.status = "active"
            }
            if type == .invoicePaid, let period = invoice.linePeriod {
                row.currentPeriodStart = period.start
                row.currentPeriodEnd = period.end
            }
            row.watermark = Int64(event.created)
            try await row.update(on: db)
            return row.id
        }
    }

    /// Our user of a Stripe object: its `metadata.user_id`, else the customer we created.
    private func user(for metadataUserID: String?, customerID: String?, on db: any Database) async throws -> UUID? {
        if let id = metadataUserID.flatMap(UUID.init(uuidString:)) { return id }
        guard let customerID else { return nil }
        return try await StripeCustomerLink.query(on: db).filter(\.$customerID == customerID).first()?.id
    }

    private func linkCustomer(_ customerID: String, to userID: UUID, on db: any Database) async throws {
        try await db.sql.insert(into: StripeCustomerLink.schema)
            .columns("user_id", "customer_id", "created_at")
            .values(SQLBind(userID), SQLBind(customerID), SQLBind(Date()))
            .ignoringConflicts()
            .run()
    }

    /// Stores the subscription unless the stored state is newer, it is the end of an older
    /// subscription than the one stored, or the stored one has ended (Stripe's `canceled` is
    /// final: an update sent in the same second must not bring it back).
    ///
    /// One transaction per user at a time: on PostgreSQL an advisory lock on the user serializes
    /// concurrent events (across instances), so the watermark check and the write cannot
    /// interleave; SQLite's `BEGIN IMMEDIATE` does the same.
    func store(_ facts: SubscriptionFacts, userID: UUID, watermark: Int64, on db: any Database) async throws {
        try await db.atomic { tx in
            try await Self.lockBilling(of: userID, on: tx)
            try await storeLocked(facts, userID: userID, watermark: watermark, on: tx)
        }
    }

    /// Serializes billing changes of one user (PostgreSQL; a no-op on SQLite, whose write
    /// transactions are serialized already). Must run inside a transaction.
    static func lockBilling(of userID: UUID, on db: any Database) async throws {
        guard db.isPostgres else { return }
        try await db.sql.raw("SELECT pg_advisory_xact_lock(hashtextextended(\(bind: "billing:" + userID.lowercased), 0))").run()
    }

    private func storeLocked(_ facts: SubscriptionFacts, userID: UUID, watermark: Int64, on db: any Database) async throws {
        let row = try await BillingSubscription.find(userID, on: db)
        if let row, watermark < row.watermark { return }
        if let row, row.subscriptionID != facts.id, facts.isTerminal { return }
        if let row, row.subscriptionID == facts.id, SubscriptionView.terminalStatuses.contains(row.status), !facts.isTerminal { return }
        // An older subscription's news must not replace the user's current one.
        if let row, row.subscriptionID != facts.id, watermark == row.watermark { return }
        let target = row ?? BillingSubscription()
        target.id = userID
        target.subscriptionID = facts.id
        target.customerID = facts.customerID ?? row?.customerID ?? ""
        target.priceID = facts.priceID
        target.plan = facts.priceID.flatMap(plans.plan(forPriceID:))?.name ?? facts.priceID ?? row?.plan ?? "unknown"
        target.status = facts.status
        target.currentPeriodStart = facts.currentPeriodStart
        target.currentPeriodEnd = facts.currentPeriodEnd
        target.cancelAtPeriodEnd = facts.cancelAtPeriodEnd
        target.watermark = watermark
        if row == nil { try await target.create(on: db) } else { try await target.update(on: db) }
    }
}
