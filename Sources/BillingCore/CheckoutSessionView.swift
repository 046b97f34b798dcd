import Foundation

/// The fields Hirebase needs from a Checkout Session (https://docs.stripe.com/api/checkout/sessions/object),
/// the object of `checkout.session.completed`, in every API version's shape.
///
/// Expandable fields (`customer`, `subscription`) are read as an id whether Stripe sent the id
/// string or the expanded object. Webhook payloads never include `line_items` (Stripe leaves it
/// out unless a retrieve expands it), so ``priceID`` is usually `nil` there; a handler that needs
/// the price retrieves the session with `expand[]=line_items` or reads the subscription's items.
public struct CheckoutSessionView: Sendable, Hashable {
    /// The value of `object` for checkout sessions.
    public static let objectType = "checkout.session"

    /// Session id (`cs_...`).
    public let id: String
    /// `payment`, `setup` or `subscription`.
    public let mode: String?
    /// `open`, `complete` or `expired`.
    public let status: String?
    /// `paid`, `unpaid` or `no_payment_required`.
    public let paymentStatus: String?
    /// The customer id (`cus_...`).
    public let customerID: String?
    /// The subscription id (`sub_...`) created by a `subscription`-mode session.
    public let subscriptionID: String?
    /// `client_reference_id`: Hirebase sets it to the paying user's id.
    public let clientReferenceID: String?
    /// `metadata` (string values only).
    public let metadata: [String: String]
    /// `amount_total` in the currency's minor units.
    public let amountTotal: Int?
    /// Lower-case ISO 4217 currency of ``amountTotal``.
    public let currency: String?
    /// `line_items.data[0].price.id`, present only when line items were expanded.
    public let priceID: String?

    /// `metadata.user_id`: the Hirebase user id Hirebase put on the session.
    public var userID: String? {
        metadata["user_id"]
    }

    /// Reads a checkout session object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has no `id`.
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        mode = object["mode"]?.nonEmptyString
        status = object["status"]?.nonEmptyString
        paymentStatus = object["payment_status"]?.nonEmptyString
        customerID = object["customer"]?.expandableID
        subscriptionID = object["subscription"]?.expandableID
        clientReferenceID = object["client_reference_id"]?.nonEmptyString
        metadata = object["metadata"]?.stripeMetadata ?? [:]
        amountTotal = object["amount_total"]?.intValue
        currency = object["currency"]?.nonEmptyString
        priceID = object.at("line_items", "data")?[0]?["price"]?.expandableID
    }

    /// Reads the session of a `checkout.session.*` event.
    /// - Throws: as ``init(object:)``.
    public init(event: StripeEvent) throws(StripeEventError) {
        try self.init(object: event.dataObject)
    }
}
