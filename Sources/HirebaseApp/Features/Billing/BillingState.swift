import BillingCore
import Foundation

/// What a user's plan allows right now.
///
/// The paid plan applies while the subscription is `active` or `trialing`; in any other state
/// (`past_due` after a failed payment, `canceled`, `unpaid`, ...) the paid limits are suspended
/// and the free plan's limits and calendar-month period apply (`API.md` § Billing).
struct BillingState: Sendable {
    /// The plan whose limits apply.
    var plan: Plan
    /// The subscription's status, or `free` without one.
    var status: String
    /// The period usage is counted in.
    var period: BillingPeriod
    var currentPeriodEnd: Date?
    var cancelAtPeriodEnd: Bool
    /// The stored subscription's plan name (may differ from `plan` while suspended).
    var subscribedPlan: String?

    static let payingStatuses: Set<String> = ["active", "trialing"]

    /// The state from the stored subscription (if any) at `now`.
    static func resolve(subscription snapshot: BillingSubscriptionSnapshot?, plans: PlanCatalog, now: Date) -> BillingState {
        guard let snapshot else {
            return BillingState(plan: plans.free, status: "free", period: BillingPeriod.calendarMonth(containing: now),
                                currentPeriodEnd: nil, cancelAtPeriodEnd: false, subscribedPlan: nil)
        }
        let subscription = snapshot.facts
        let paid = plans.plan(named: snapshot.plan) ?? subscription.priceID.flatMap(plans.plan(forPriceID:))
        if let paid, payingStatuses.contains(subscription.status) {
            var stored: BillingPeriod?
            if let start = subscription.currentPeriodStart, let end = subscription.currentPeriodEnd {
                stored = BillingPeriod(start: start, end: end)
            }
            return BillingState(plan: paid, status: subscription.status,
                                period: BillingPeriod.current(at: now, subscriptionPeriod: stored, interval: paid.interval),
                                currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
                                subscribedPlan: snapshot.plan)
        }
        return BillingState(plan: plans.free, status: subscription.status, period: BillingPeriod.calendarMonth(containing: now),
                            currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
                            subscribedPlan: snapshot.plan)
    }
}
