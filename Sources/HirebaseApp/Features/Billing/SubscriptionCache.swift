import BillingCore
import Foundation

/// Short-lived, per-instance cache of users' stored subscriptions, for status reads and limit
/// checks on every metered request.
///
/// Invalidated on this instance by webhooks and by changes made here; another instance may serve
/// a state up to `ttl` old (default 30 s) after a change it did not see. Limits themselves are
/// enforced by the database (see `BillingStore.consumeUsage`), so a stale entry can only delay a
/// plan change by that bound, never let usage pass a limit of the plan it reports. At most 10 000
/// users are kept (then the cache starts over), so its memory stays bounded.
actor SubscriptionCache {
    private struct Entry {
        var record: SubscriptionRecord?
        var expires: Date
    }

    private let ttl: TimeInterval
    private let clock: WallClock
    private var entries: [UUID: Entry] = [:]

    /// - Parameters:
    ///   - ttl: how long an entry is served, in seconds.
    ///   - clock: the time source that expires entries.
    init(ttl: TimeInterval = 30, clock: WallClock) {
        self.ttl = ttl
        self.clock = clock
    }

    /// The cached record of the user: `nil` when not cached (or expired), `.some(nil)` when the
    /// user is cached as having no subscription.
    func get(_ userID: UUID) -> SubscriptionRecord?? {
        guard let entry = entries[userID], entry.expires > clock.now() else { return nil }
        return .some(entry.record)
    }

    /// Caches the user's record (`nil`: no subscription) for `ttl`.
    func set(_ userID: UUID, _ record: SubscriptionRecord?) {
        if entries.count > 10_000 { entries.removeAll() }
        entries[userID] = Entry(record: record, expires: clock.now().addingTimeInterval(ttl))
    }

    /// Forgets the user's entry (after a change on this instance).
    func invalidate(_ userID: UUID) {
        entries[userID] = nil
    }
}
