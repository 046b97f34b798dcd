import Foundation

/// What a user's plan allows at an instant, and how the user's subscription is reported
/// (`GET /subscription-status`, `API.md` § Billing).
///
/// The paid plan applies while the subscription ``SubscriptionStatus/isPaying`` (`active`,
/// `trialing`), in the subscription's current period; in any other status (`past_due` after a
/// failed payment, `canceled`, `unpaid`, ...) the free plan's limits and the UTC calendar month
/// apply.
public struct PlanStanding: Sendable, Hashable {
    /// The plan whose limits apply now.
    public let plan: Plan
    /// The period usage is counted in now.
    public let period: BillingPeriod
    /// The user's stored subscription, if any.
    public let record: SubscriptionRecord?
    /// The plan name to report: the subscribed plan while the subscription has not ended (also
    /// while suspended, e.g. `past_due`, when the free limits apply), else the free plan's.
    public let planName: String

    /// The standing at `now` of a user whose stored subscription is `record` (`nil`: never subscribed).
    public init(record: SubscriptionRecord?, plans: PlanCatalog, at now: Date) {
        self.record = record
        guard let record else {
            plan = plans.free
            period = BillingPeriod.calendarMonth(containing: now)
            planName = plans.free.name
            return
        }
        let subscription = record.subscription
        let paid = plans.plan(named: record.plan) ?? subscription.priceID.flatMap(plans.plan(forPriceID:))
        if let paid, subscription.status.isPaying {
            plan = paid
            period = BillingPeriod.current(at: now, subscriptionPeriod: subscription.currentPeriod, interval: paid.interval)
        } else {
            plan = plans.free
            period = BillingPeriod.calendarMonth(containing: now)
        }
        // An ended subscription's plan no longer applies in any sense: report the free plan.
        planName = subscription.status.isTerminal ? plans.free.name : record.plan
    }

    /// The subscription's Stripe status (`active`, `past_due`, ...), or `free` without one.
    public var status: String {
        record?.subscription.status.rawValue ?? "free"
    }

    /// The subscription's `current_period_end`, if any.
    public var currentPeriodEnd: Date? {
        record?.subscription.currentPeriodEnd
    }

    /// Whether the subscription will end at ``currentPeriodEnd`` (``Subscription/endsAtPeriodEnd``;
    /// `false` without one and once it has ended).
    public var cancelAtPeriodEnd: Bool {
        record?.subscription.endsAtPeriodEnd ?? false
    }
}
