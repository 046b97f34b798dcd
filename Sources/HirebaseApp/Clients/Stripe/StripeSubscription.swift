import Foundation

/// A Stripe subscription, as much of it as billing needs (Stripe API reference, "The
/// Subscription object").
///
/// Decodes both shapes of the billing period: API versions before 2025-03-31 send
/// `current_period_start`/`current_period_end` on the subscription; from 2025-03-31.basil on they
/// are on each subscription item (`items.data[n]`) and gone from the top level (Stripe changelog
/// 2025-03-31, "Deprecate subscription current period start and end"). Webhook events keep the
/// API version of the account's endpoint, so both shapes reach us. The top level wins when both
/// are present; otherwise the first item's period is taken (Hirebase subscriptions have one item).
public struct StripeSubscription: StripeIdentifiable, Equatable, Decodable {
    /// `sub_...`
    public var id: String
    /// The customer (`cus_...`), or the customer object when expanded.
    public var customer: StripeExpandable<StripeCustomer>
    /// `incomplete`, `incomplete_expired`, `trialing`, `active`, `past_due`, `canceled`, `unpaid`
    /// or `paused`; kept as text so that a status Stripe adds later still decodes.
    public var status: String
    /// Whether the subscription ends at `currentPeriodEnd` instead of renewing.
    public var cancelAtPeriodEnd: Bool
    /// Start of the paid period (seconds since 1970 at Stripe).
    public var currentPeriodStart: Date?
    /// End of the paid period: the plan's limits reset here, and a cancelled-at-period-end
    /// subscription ends here.
    public var currentPeriodEnd: Date?
    /// The price of the first item (`items.data[0].price.id`, `price_...`): which plan.
    public var priceID: String?
    /// Our keys; Hirebase sets `user_id` through the checkout session's `subscription_data`.
    public var metadata: [String: String]
    /// When the subscription was created at Stripe.
    public var created: Date?
    /// When a cancellation takes effect, if one is scheduled.
    public var cancelAt: Date?
    /// When the subscription was cancelled, if it was.
    public var canceledAt: Date?

    /// Our user id from `metadata[user_id]`, when it is there and is a UUID.
    public var userID: UUID? { metadata["user_id"].flatMap(UUID.init(uuidString:)) }
    /// The customer's id, whichever shape came.
    public var customerID: String { customer.id }

    public init(
        id: String,
        customer: StripeExpandable<StripeCustomer>,
        status: String,
        cancelAtPeriodEnd: Bool = false,
        currentPeriodStart: Date? = nil,
        currentPeriodEnd: Date? = nil,
        priceID: String? = nil,
        metadata: [String: String] = [:],
        created: Date? = nil,
        cancelAt: Date? = nil,
        canceledAt: Date? = nil
    ) {
        self.id = id
        self.customer = customer
        self.status = status
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.priceID = priceID
        self.metadata = metadata
        self.created = created
        self.cancelAt = cancelAt
        self.canceledAt = canceledAt
    }

    enum CodingKeys: String, CodingKey {
        case id, customer, status, items, metadata, created
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case currentPeriodStart = "current_period_start"
        case currentPeriodEnd = "current_period_end"
        case cancelAt = "cancel_at"
        case canceledAt = "canceled_at"
    }

    /// `items`: a list object whose `data` holds the subscription items.
    struct ItemList: Decodable {
        var data: [Item]
    }

    struct Item: Decodable {
        struct Price: Decodable {
            var id: String
        }

        var price: Price?
        var currentPeriodStart: Int64?
        var currentPeriodEnd: Int64?

        enum CodingKeys: String, CodingKey {
            case price
            case currentPeriodStart = "current_period_start"
            case currentPeriodEnd = "current_period_end"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customer = try container.decode(StripeExpandable<StripeCustomer>.self, forKey: .customer)
        status = try container.decode(String.self, forKey: .status)
        cancelAtPeriodEnd = try container.decodeIfPresent(Bool.self, forKey: .cancelAtPeriodEnd) ?? false
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        let first = try container.decodeIfPresent(ItemList.self, forKey: .items)?.data.first
        priceID = first?.price?.id
        let start = try container.decodeIfPresent(Int64.self, forKey: .currentPeriodStart) ?? first?.currentPeriodStart
        let end = try container.decodeIfPresent(Int64.self, forKey: .currentPeriodEnd) ?? first?.currentPeriodEnd
        currentPeriodStart = start.map(Self.date)
        currentPeriodEnd = end.map(Self.date)
        created = try container.decodeIfPresent(Int64.self, forKey: .created).map(Self.date)
        cancelAt = try container.decodeIfPresent(Int64.self, forKey: .cancelAt).map(Self.date)
        canceledAt = try container.decodeIfPresent(Int64.self, forKey: .canceledAt).map(Self.date)
    }

    /// Stripe's timestamps are whole seconds since 1970 (Stripe API reference, "Timestamps").
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
