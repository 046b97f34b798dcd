import BillingCore
import Fluent
import Foundation
import Logging

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
            guard let userID = session.userID.flatMap(UUID.init(uuidString:)), let customerID = session.customerID else {
                logger.warning("checkout session without our user id", metadata: ["event-id": .string(event.id)])
                return nil
            }
            try await linkCustomer(customerID, to: userID, on: db)
            if let prefetched {
                try await store(prefetched, userID: userID, watermark: Int64(event.created), on: db)
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
            try await store(facts, userID: userID, watermark: Int64(event.created), on: db)
            return userID
        case .invoicePaid, .invoicePaymentFailed:
            let invoice = try InvoiceView(object: event.dataObject)
            guard let subscriptionID = invoice.subscriptionID,
                  let row = try await BillingSubscription.query(on: db).filter(\.$subscriptionID == subscriptionID).first() else {
                return nil
            }
            guard Int64(event.created) >= row.watermark else { return row.id }
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
        guard try await StripeCustomerLink.find(userID, on: db) == nil else { return }
        try await StripeCustomerLink(userID: userID, customerID: customerID).create(on: db)
    }

    /// Stores the subscription unless the stored state is newer, or it is the end of an older
    /// subscription than the one stored.
    func store(_ facts: SubscriptionFacts, userID: UUID, watermark: Int64, on db: any Database) async throws {
        let row = try await BillingSubscription.find(userID, on: db)
        if let row, watermark < row.watermark { return }
        if let row, row.subscriptionID != facts.id, facts.isTerminal { return }
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
