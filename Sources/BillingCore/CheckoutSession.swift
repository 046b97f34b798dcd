import JSONTree
import Foundation

/// A Checkout Session (https://docs.stripe.com/api/checkout/sessions/object): the one value
/// billing uses for it, read from `POST /v1/checkout/sessions` and `GET /v1/checkout/sessions/{id}`
/// answers and from `checkout.session.completed` events alike.
///
/// Expandable fields (`customer`, `subscription`) are read as an id whether Stripe sent the id
/// string or the expanded object. Stripe leaves `line_items` out unless a retrieve expands it
/// (webhook payloads never include it), so ``priceID`` is usually `nil` in events; the
/// confirmation retrieves the session with `expand[]=line_items`.
public struct CheckoutSession: StripeObject, Hashable {
    /// The value of `object` for checkout sessions.
    public static let objectType = "checkout.session"

    /// Session id (`cs_...`).
    public var id: String
    /// Where to send the user to pay; only while the session is `open`.
    public var url: String?
    /// `payment`, `setup` or `subscription` (Hirebase creates `subscription` sessions).
    public var mode: String?
    /// `open`, `complete` or `expired`.
    public var status: String?
    /// `paid`, `unpaid` or `no_payment_required`.
    public var paymentStatus: String?
    /// The customer id (`cus_...`).
    public var customerID: String?
    /// The subscription id (`sub_...`) created by a completed `subscription`-mode session.
    public var subscriptionID: String?
    /// `client_reference_id`: Hirebase sets it to the paying user's id.
    public var clientReferenceID: String?
    /// `metadata` (string values only); Hirebase sets `user_id`.
    public var metadata: [String: String]
    /// `amount_total` in the currency's minor units (cents for USD), discounts and taxes included.
    public var amountTotal: Int?
    /// Lower-case ISO 4217 currency of ``amountTotal``.
    public var currency: String?
    /// `line_items.data[0].price.id`, present only when line items were expanded.
    public var priceID: String?

    /// Creates a session from its parts (tests).
    public init(
        id: String, url: String? = nil, mode: String? = nil, status: String? = nil, paymentStatus: String? = nil,
        customerID: String? = nil, subscriptionID: String? = nil, clientReferenceID: String? = nil,
        metadata: [String: String] = [:], amountTotal: Int? = nil, currency: String? = nil, priceID: String? = nil
    ) {
        self.id = id
        self.url = url
        self.mode = mode
        self.status = status
        self.paymentStatus = paymentStatus
        self.customerID = customerID
        self.subscriptionID = subscriptionID
        self.clientReferenceID = clientReferenceID
        self.metadata = metadata
        self.amountTotal = amountTotal
        self.currency = currency
        self.priceID = priceID
    }

    /// `metadata.user_id` as our user id, when it is a UUID.
    public var userID: UUID? {
        metadata["user_id"].flatMap(UUID.init(uuidString:))
    }

    /// The Hirebase user the session was made for: `client_reference_id` when it is a UUID, else
    /// `metadata.user_id` (Hirebase writes both; `API.md` § Billing).
    public var ownerID: UUID? {
        clientReferenceID.flatMap(UUID.init(uuidString:)) ?? userID
    }

    /// Whether the session bought a subscription and is settled: `mode` `subscription`, `status`
    /// `complete`, `payment_status` `paid` or `no_payment_required` (a trial or a 100 % coupon).
    public var isCompletedSubscriptionPurchase: Bool {
        mode == "subscription" && status == "complete" && (paymentStatus == "paid" || paymentStatus == "no_payment_required")
    }

    /// Reads a checkout session object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has no `id`.
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        url = object["url"]?.nonEmptyString
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
}
