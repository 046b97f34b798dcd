import Foundation

/// Short-lived, per-instance cache of users' stored subscriptions, for status reads and limit
/// checks on every metered request.
///
/// Invalidated on this instance by webhooks and by changes made here; another instance may serve
/// a state up to `ttl` old (default 30 s) after a change it did not see. Limits themselves are
/// enforced by the database (see `UsageLedger`), so a stale entry can only delay a plan change
/// by that bound, never let usage pass a limit of the plan it reports.
actor SubscriptionCache {
    private struct Entry {
        var subscription: BillingSubscriptionSnapshot?
        var expires: ContinuousClock.Instant
    }

    private let ttl: Duration
    private var entries: [UUID: Entry] = [:]

    init(ttl: Duration = .seconds(30)) {
        self.ttl = ttl
    }

    func get(_ userID: UUID) -> BillingSubscriptionSnapshot?? {
        guard let entry = entries[userID], entry.expires > .now else { return nil }
        return .some(entry.subscription)
    }

    func set(_ userID: UUID, _ subscription: BillingSubscriptionSnapshot?) {
        if entries.count > 10_000 { entries.removeAll() }
        entries[userID] = Entry(subscription: subscription, expires: .now + ttl)
    }

    func invalidate(_ userID: UUID) {
        entries[userID] = nil
    }
}

/// A `Sendable` copy of a stored subscription (models are not shared across tasks): what
/// `SubscriptionFacts` keeps of it, plus our plan name.
struct BillingSubscriptionSnapshot: Sendable, Equatable {
    var plan: String
    var facts: SubscriptionFacts

    init(_ model: BillingSubscription) {
        plan = model.plan
        facts = SubscriptionFacts(model)
    }
}
