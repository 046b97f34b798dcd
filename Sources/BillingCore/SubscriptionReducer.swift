import Foundation

/// Applies changes to a user's stored subscription: the rules of billing's state in one place,
/// pure, so that every order of events can be tested without a database.
///
/// Rules (Stripe's "Event ordering": deliveries come in any order, retried for days):
/// - Ordering: a change applies only when its watermark ``StripeWatermark/supersedes(_:)`` the
///   stored one (not older; the same second applies again, which also makes a redelivery harmless).
/// - Ended is final: a `canceled`/`incomplete_expired` subscription is never moved back to a
///   running status (Stripe often sends an `updated` in the same second as the `deleted`), and
///   invoices of an ended subscription change nothing.
/// - One subscription per user: news of another subscription than the stored one replaces it
///   only when it is strictly newer and is not the end of that other subscription (a user who
///   subscribed again must not lose the new subscription to the old one's `deleted`).
/// - Invoices change only the stored subscription they bill.
public enum SubscriptionReducer {
    /// Applies `change`, whose state is at `watermark`, to `stored`.
    /// - Parameters:
    ///   - stored: the user's stored record, or `nil` when none is stored yet.
    ///   - plans: names the plan of a subscription's price.
    /// - Returns: the record to store, or why nothing changes.
    public static func apply(
        _ change: SubscriptionChange, to stored: SubscriptionRecord?, at watermark: StripeWatermark, plans: PlanCatalog
    ) -> SubscriptionUpdate {
        switch change {
        case .subscription(let subscription):
            return replace(stored, with: subscription, at: watermark, plans: plans)
        case .deleted(var subscription):
            subscription.status = .canceled
            return replace(stored, with: subscription, at: watermark, plans: plans)
        case .invoicePaid(let subscriptionID, let linePeriod):
            return settle(stored, subscriptionID: subscriptionID, at: watermark) { subscription in
                if subscription.status.awaitsPayment { subscription.status = .active }
                if let linePeriod {
                    subscription.currentPeriodStart = linePeriod.start
                    subscription.currentPeriodEnd = linePeriod.end
                }
            }
        case .invoicePaymentFailed(let subscriptionID):
            return settle(stored, subscriptionID: subscriptionID, at: watermark) { $0.status = .pastDue }
        case .unknownToStripe(let subscriptionID):
            guard var record = stored, record.subscription.id == subscriptionID else { return .unchanged(.notStored) }
            // Nothing dated was learned, so the watermark stays: a later event still orders
            // against the last state Stripe described.
            record.subscription.status = .canceled
            return .store(record)
        }
    }

    /// The subscription replaces the stored one, unless a rule says no.
    private static func replace(
        _ stored: SubscriptionRecord?, with incoming: Subscription, at watermark: StripeWatermark, plans: PlanCatalog
    ) -> SubscriptionUpdate {
        if let stored {
            let current = stored.subscription
            let same = current.id == incoming.id
            guard watermark.supersedes(stored.watermark) else { return .unchanged(.stale) }
            // The end of an older subscription must not replace the user's current one.
            if !same, incoming.status.isTerminal { return .unchanged(.otherSubscription) }
            if same, current.status.isTerminal, !incoming.status.isTerminal { return .unchanged(.ended) }
            // Same-second news of another subscription cannot be ordered: the stored one stays.
            if !same, watermark == stored.watermark { return .unchanged(.otherSubscription) }
        }
        var subscription = incoming
        subscription.customerID = incoming.customerID ?? stored?.subscription.customerID
        let plan = incoming.priceID.flatMap(plans.plan(forPriceID:))?.name ?? incoming.priceID ?? stored?.plan ?? "unknown"
        return .store(SubscriptionRecord(subscription: subscription, plan: plan, watermark: watermark))
    }

    /// An invoice's news for the stored subscription, unless it is stale or the subscription ended.
    private static func settle(
        _ stored: SubscriptionRecord?, subscriptionID: String, at watermark: StripeWatermark, _ change: (inout Subscription) -> Void
    ) -> SubscriptionUpdate {
        guard var record = stored, record.subscription.id == subscriptionID else { return .unchanged(.notStored) }
        guard watermark.supersedes(record.watermark) else { return .unchanged(.stale) }
        guard !record.subscription.status.isTerminal else { return .unchanged(.ended) }
        change(&record.subscription)
        record.watermark = watermark
        return .store(record)
    }
}
