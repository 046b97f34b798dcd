import Foundation

/// The fields Hirebase needs from a Subscription (https://docs.stripe.com/api/subscriptions/object),
/// the object of `customer.subscription.created|updated|deleted`, in both API shapes.
///
/// Where the shapes differ:
/// - `current_period_start/end` are top-level fields before API version 2025-03-31 and live on
///   each subscription item (`items.data[i].current_period_start/end`) since 2025-03-31 "basil"
///   (Stripe API changelog 2025-03-31.basil, "Adds subscription item-level billing periods and
///   removes subscription-level periods",
///   https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end).
///   The top-level fields are used when present, else the first item's.
/// - The price is `items.data[0].price.id`; old payloads may only have `items.data[0].plan.id`
///   or a top-level `plan.id` (2012-era sample events) or `price.id`.
public struct SubscriptionView: Sendable, Hashable {
    /// The value of `object` for subscriptions.
    public static let objectType = "subscription"
    /// Statuses from which a subscription never comes back (Stripe: "canceled" and
    /// "incomplete_expired" are terminal); a handler must not let an event revive one.
    public static let terminalStatuses: Set<String> = ["canceled", "incomplete_expired"]

    /// Subscription id (`sub_...`).
    public let id: String
    /// The customer id (`cus_...`), whether sent as an id or an expanded object.
    public let customerID: String?
    /// `incomplete`, `incomplete_expired`, `trialing`, `active`, `past_due`, `canceled`,
    /// `unpaid` or `paused`.
    public let status: String
    /// Whether the subscription ends at the end of the current period (`false` when absent).
    public let cancelAtPeriodEnd: Bool
    /// When a scheduled cancellation takes effect.
    public let cancelAt: Date?
    /// When the subscription was cancelled (possibly with an end in the future).
    public let canceledAt: Date?
    /// Start of the current billing period (top-level, else the first item's).
    public let currentPeriodStart: Date?
    /// End of the current billing period (top-level, else the first item's).
    public let currentPeriodEnd: Date?
    /// The first item's price id (`price_...`), falling back to older plan fields.
    public let priceID: String?
    /// `metadata` (string values only).
    public let metadata: [String: String]
    /// When the subscription was created.
    public let created: Date?

    /// `metadata.user_id`: the Hirebase user id (set through `subscription_data[metadata][user_id]`).
    public var userID: String? {
        metadata["user_id"]
    }

    /// The current period as a ``BillingPeriod``; `nil` when either end is missing or the
    /// period is empty or reversed.
    public var currentPeriod: BillingPeriod? {
        guard let currentPeriodStart, let currentPeriodEnd else { return nil }
        return BillingPeriod(start: currentPeriodStart, end: currentPeriodEnd)
    }

    /// Whether ``status`` is terminal (see ``terminalStatuses``).
    public var isTerminal: Bool {
        Self.terminalStatuses.contains(status)
    }

    /// Reads a subscription object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has
    ///   no `id` or `status`. (Stripe's 2012 sample events carry subscriptions without an `id`;
    ///   they cannot be applied, so they are refused here.)
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        guard let status = object["status"]?.nonEmptyString else { throw .missingField("status") }
        self.status = status
        customerID = object["customer"]?.expandableID
        cancelAtPeriodEnd = object["cancel_at_period_end"]?.boolValue ?? false
        cancelAt = object["cancel_at"]?.unixDate
        canceledAt = object["canceled_at"]?.unixDate
        let firstItem = object.at("items", "data")?[0]
        // Both ends from the same place, so a mixed payload cannot pair a top-level start with an
        // item's end.
        if let start = object["current_period_start"]?.unixDate, let end = object["current_period_end"]?.unixDate {
            currentPeriodStart = start
            currentPeriodEnd = end
        } else if let start = firstItem?["current_period_start"]?.unixDate, let end = firstItem?["current_period_end"]?.unixDate {
            currentPeriodStart = start
            currentPeriodEnd = end
        } else {
            currentPeriodStart = nil
            currentPeriodEnd = nil
        }
        priceID = firstItem?["price"]?.expandableID
            ?? firstItem?["plan"]?.expandableID
            ?? object["plan"]?.expandableID
            ?? object["price"]?.expandableID
        metadata = object["metadata"]?.stripeMetadata ?? [:]
        created = object["created"]?.unixDate
    }

    /// Reads the subscription of a `customer.subscription.*` event.
    /// - Throws: as ``init(object:)``.
    public init(event: StripeEvent) throws(StripeEventError) {
        try self.init(object: event.dataObject)
    }
}
