import Foundation

/// The position of a state in the history of one Stripe object (a subscription), used to apply
/// events and reads in the order of the object's state rather than in the order they arrive. The
/// one ordering rule of billing: ``SubscriptionReducer`` applies it, nothing else compares times.
///
/// Stripe does not guarantee delivery order ("Event ordering" in Stripe's webhook docs), and it
/// retries failed deliveries for days, so an old `customer.subscription.updated` can arrive after
/// a newer one. The watermark is the event's `created` (Unix seconds), or for a subscription read
/// from Stripe's API the time of the read (``init(readAt:)``). Store the watermark of the
/// state last applied to each subscription and apply an event only when
/// ``supersedes(_:)`` says so: an older event must never overwrite newer state.
///
/// Ties: `created` has one-second resolution and event ids are not ordered, so two events of the
/// same second cannot be ordered; the later arrival is applied (``supersedes(_:)`` is `>=`),
/// which also makes re-applying the same event harmless. A handler additionally refuses to move a
/// subscription out of a terminal status (``SubscriptionStatus/isTerminal``), which covers the one
/// same-second case that matters (`updated` arriving after `deleted`).
public struct StripeWatermark: Sendable, Hashable, Comparable, Codable {
    /// The event's `created`, Unix seconds.
    public let created: Int

    /// Creates a watermark from an event's `created` (Unix seconds).
    public init(created: Int) {
        self.created = created
    }

    /// The watermark of `event`.
    public init(event: StripeEvent) {
        self.init(created: event.created)
    }

    /// The watermark of a state read from Stripe's API at `date` (whole seconds, rounded toward
    /// 1970 like Stripe's own timestamps): what Stripe answered then is at least as new as every
    /// event created up to that second.
    public init(readAt date: Date) {
        self.init(created: Int(date.timeIntervalSince1970))
    }

    /// Whether state carrying this watermark may replace state last written at `stored`:
    /// always when nothing is stored, else when this is not older (`>=`, see the note on ties).
    public func supersedes(_ stored: StripeWatermark?) -> Bool {
        guard let stored else { return true }
        return self >= stored
    }

    /// Orders by `created`.
    public static func < (lhs: StripeWatermark, rhs: StripeWatermark) -> Bool {
        lhs.created < rhs.created
    }
}
