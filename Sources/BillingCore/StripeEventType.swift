/// The event types Hirebase applies (`API.md` § Billing); every other type is acknowledged with
/// 200 and ignored. ``StripeEvent/handledType`` maps an event's `type` to one of these.
public enum StripeEventType: String, Sendable, Hashable, CaseIterable {
    /// A checkout finished: read with ``CheckoutSession``.
    case checkoutSessionCompleted = "checkout.session.completed"
    /// A subscription was created: read with ``Subscription``.
    case customerSubscriptionCreated = "customer.subscription.created"
    /// A subscription changed (plan, status, period, cancellation): read with ``Subscription``.
    case customerSubscriptionUpdated = "customer.subscription.updated"
    /// A subscription ended (status `canceled`): read with ``Subscription``.
    case customerSubscriptionDeleted = "customer.subscription.deleted"
    /// An invoice was paid (a renewal succeeded): read with ``InvoiceView``.
    case invoicePaid = "invoice.paid"
    /// An invoice payment attempt failed: read with ``InvoiceView``.
    case invoicePaymentFailed = "invoice.payment_failed"

    /// The `object` value of the event's `data.object`: `checkout.session`, `subscription` or `invoice`.
    public var objectType: String {
        switch self {
        case .checkoutSessionCompleted: CheckoutSession.objectType
        case .customerSubscriptionCreated, .customerSubscriptionUpdated, .customerSubscriptionDeleted: Subscription.objectType
        case .invoicePaid, .invoicePaymentFailed: InvoiceView.objectType
        }
    }
}
