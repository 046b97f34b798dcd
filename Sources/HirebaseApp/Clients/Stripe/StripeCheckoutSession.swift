import Foundation

/// A Stripe Checkout Session, as much of it as billing needs (Stripe API reference, "The
/// Checkout Session object").
///
/// `POST /verify-billing` with a `sessionId` checks `status`, `paymentStatus`, `amountTotal`,
/// `currency` and `priceID` against the plan before activating it (`API.md` § Billing).
public struct StripeCheckoutSession: StripeIdentifiable, Equatable, Decodable {
    /// `cs_...`
    public var id: String
    /// Where to send the user to pay; only while the session is `open`.
    public var url: String?
    /// `open`, `complete` or `expired`.
    public var status: String?
    /// `paid`, `unpaid` or `no_payment_required`.
    public var paymentStatus: String
    /// `payment`, `setup` or `subscription` (Hirebase creates `subscription` sessions).
    public var mode: String
    /// Total in the currency's smallest unit (cents for USD), discounts and taxes included.
    public var amountTotal: Int?
    /// Three-letter ISO code, lowercase (`usd`).
    public var currency: String?
    /// The customer, or the customer object when expanded.
    public var customer: StripeExpandable<StripeCustomer>?
    /// The subscription created by a completed `subscription` session, or the object when expanded.
    public var subscription: StripeExpandable<StripeSubscription>?
    /// Hirebase puts the user id here (`API.md` § Billing).
    public var clientReferenceID: String?
    /// Our keys; Hirebase sets `user_id`.
    public var metadata: [String: String]
    /// The first line item's price (`line_items.data[0].price.id`), only when the request asked
    /// for `expand[]=line_items`: Stripe leaves line items out otherwise.
    public var priceID: String?

    /// Our user id from `metadata[user_id]`, when it is there and is a UUID.
    public var userID: UUID? { metadata["user_id"].flatMap(UUID.init(uuidString:)) }
    /// The customer's id, whichever shape came.
    public var customerID: String? { customer?.id }
    /// The subscription's id, whichever shape came.
    public var subscriptionID: String? { subscription?.id }

    public init(
        id: String,
        url: String? = nil,
        status: String? = nil,
        paymentStatus: String,
        mode: String,
        amountTotal: Int? = nil,
        currency: String? = nil,
        customer: StripeExpandable<StripeCustomer>? = nil,
        subscription: StripeExpandable<StripeSubscription>? = nil,
        clientReferenceID: String? = nil,
        metadata: [String: String] = [:],
        priceID: String? = nil
    ) {
        self.id = id
        self.url = url
        self.status = status
        self.paymentStatus = paymentStatus
        self.mode = mode
        self.amountTotal = amountTotal
        self.currency = currency
        self.customer = customer
        self.subscription = subscription
        self.clientReferenceID = clientReferenceID
        self.metadata = metadata
        self.priceID = priceID
    }

    enum CodingKeys: String, CodingKey {
        case id, url, status, mode, currency, customer, subscription, metadata
        case paymentStatus = "payment_status"
        case amountTotal = "amount_total"
        case clientReferenceID = "client_reference_id"
        case lineItems = "line_items"
    }

    /// `line_items`: a list object whose `data` holds the line items.
    struct LineItemList: Decodable {
        struct LineItem: Decodable {
            struct Price: Decodable {
                var id: String
            }

            var price: Price?
        }

        var data: [LineItem]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        paymentStatus = try container.decode(String.self, forKey: .paymentStatus)
        mode = try container.decode(String.self, forKey: .mode)
        amountTotal = try container.decodeIfPresent(Int.self, forKey: .amountTotal)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        customer = try container.decodeIfPresent(StripeExpandable<StripeCustomer>.self, forKey: .customer)
        subscription = try container.decodeIfPresent(StripeExpandable<StripeSubscription>.self, forKey: .subscription)
        clientReferenceID = try container.decodeIfPresent(String.self, forKey: .clientReferenceID)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        priceID = try container.decodeIfPresent(LineItemList.self, forKey: .lineItems)?.data.first?.price?.id
    }
}
