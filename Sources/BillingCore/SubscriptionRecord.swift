/// What Hirebase keeps of a user's subscription (one per user): Stripe's subscription as last
/// learned, our plan name for its price, and the watermark of that state.
///
/// Built by ``SubscriptionReducer`` from the stored record and a change; the app's store maps it
/// to and from its table row.
public struct SubscriptionRecord: Sendable, Hashable {
    /// The subscription as last learned from Stripe (events, reads).
    public var subscription: Subscription
    /// Our plan name for the subscription's price (`pro`), the price id itself when the plans file
    /// has no plan for it, else the name stored before; `"unknown"` when none was ever known.
    public var plan: String
    /// The position of this state in the subscription's history (see ``StripeWatermark``).
    public var watermark: StripeWatermark

    /// Creates a record.
    public init(subscription: Subscription, plan: String, watermark: StripeWatermark) {
        self.subscription = subscription
        self.plan = plan
        self.watermark = watermark
    }
}
