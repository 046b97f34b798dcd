/// A change to apply to a user's stored subscription: news from a webhook event or an answer of
/// Stripe's API. Its watermark is given beside it (``SubscriptionReducer/apply(_:to:at:plans:)``).
public enum SubscriptionChange: Sendable, Hashable {
    /// The subscription as Stripe describes it: a `customer.subscription.created` or `.updated`
    /// event, the subscription read after `checkout.session.completed`, or an API answer (read,
    /// update, cancellation).
    case subscription(Subscription)
    /// `customer.subscription.deleted`: the subscription has ended; it is stored as `canceled`
    /// whatever status the payload carries.
    case deleted(Subscription)
    /// `invoice.paid` for the subscription: a subscription waiting for a payment becomes
    /// `active`, and the invoice's subscription line period (if any) becomes the current period.
    case invoicePaid(subscriptionID: String, linePeriod: BillingPeriod?)
    /// `invoice.payment_failed` for the subscription: it becomes `past_due`.
    case invoicePaymentFailed(subscriptionID: String)
    /// Stripe answered 404 for the subscription (Stripe forgets nothing it billed, so it has
    /// ended): it is stored as `canceled`.
    case unknownToStripe(subscriptionID: String)
}
