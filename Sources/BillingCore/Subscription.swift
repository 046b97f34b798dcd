import JSONTree
import Foundation

/// A Stripe subscription (https://docs.stripe.com/api/subscriptions/object): the one value
/// billing uses for it, whether it came from a webhook event, from Stripe's API, or from our table.
///
/// ``init(object:)`` reads every API version's shape:
/// - `current_period_start/end` are top-level fields before API version 2025-03-31 and live on
///   each subscription item (`items.data[i].current_period_start/end`) since 2025-03-31 "basil"
///   (Stripe API changelog 2025-03-31.basil, "Adds subscription item-level billing periods and
///   removes subscription-level periods",
///   https://docs.stripe.com/changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end).
///   Webhook events keep the API version of the account's endpoint, so both shapes reach us. The
///   top-level pair is used when both ends are present, else the first item's pair (Hirebase
///   subscriptions have one item); the two places are never mixed.
/// - `customer` is expandable: the id string, or the customer object when expanded
///   (Stripe API reference, "Expanding responses").
/// - The price is `items.data[0].price.id`; old payloads may only have `items.data[0].plan.id`
///   or a top-level `plan.id` (2012-era sample events) or `price.id`.
public struct Subscription: StripeObject, Hashable {
    /// The value of `object` for subscriptions.
    public static let objectType = "subscription"

    /// Subscription id (`sub_...`).
    public var id: String
    /// The customer id (`cus_...`), whether sent as an id or an expanded object.
    public var customerID: String?
    /// Stripe's status.
    public var status: SubscriptionStatus
    /// Stripe's `cancel_at_period_end` (`false` when absent). Stripe leaves it `true` on a
    /// subscription that ended at its period end; ``endsAtPeriodEnd`` is what to report.
    public var cancelAtPeriodEnd: Bool
    /// When a scheduled cancellation takes effect.
    public var cancelAt: Date?
    /// When the subscription was cancelled (possibly with an end in the future).
    public var canceledAt: Date?
    /// Start of the current billing period (see the type's notes for where it is read).
    public var currentPeriodStart: Date?
    /// End of the current billing period: the paid plan's limits reset here, and a subscription
    /// cancelled at the period end ends here.
    public var currentPeriodEnd: Date?
    /// The first item's price id (`price_...`), falling back to older plan fields: which plan.
    public var priceID: String?
    /// `metadata` (string values only); Hirebase sets `user_id` through the checkout session's
    /// `subscription_data[metadata]`.
    public var metadata: [String: String]
    /// When the subscription was created at Stripe.
    public var created: Date?

    /// Creates a subscription from its parts (our stored row, tests).
    public init(
        id: String, customerID: String?, status: SubscriptionStatus, cancelAtPeriodEnd: Bool = false,
        cancelAt: Date? = nil, canceledAt: Date? = nil, currentPeriodStart: Date? = nil, currentPeriodEnd: Date? = nil,
        priceID: String? = nil, metadata: [String: String] = [:], created: Date? = nil
    ) {
        self.id = id
        self.customerID = customerID
        self.status = status
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.cancelAt = cancelAt
        self.canceledAt = canceledAt
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.priceID = priceID
        self.metadata = metadata
        self.created = created
    }

    /// `metadata.user_id` as our user id, when it is a UUID.
    public var userID: UUID? {
        metadata["user_id"].flatMap(UUID.init(uuidString:))
    }

    /// The current period as a ``BillingPeriod``; `nil` when either end is missing or the
    /// period is empty or reversed.
    public var currentPeriod: BillingPeriod? {
        guard let currentPeriodStart, let currentPeriodEnd else { return nil }
        return BillingPeriod(start: currentPeriodStart, end: currentPeriodEnd)
    }

    /// Whether the subscription is still running and will end at the end of its current period.
    /// `false` once it has ended, whatever Stripe's `cancel_at_period_end` still says: there is
    /// no period end left to cancel at.
    public var endsAtPeriodEnd: Bool {
        cancelAtPeriodEnd && !status.isTerminal
    }

    /// Reads a subscription object.
    /// - Throws: ``StripeEventError`` when it is not an object, is another kind of object, or has
    ///   no `id` or `status`. (Stripe's 2012 sample events carry subscriptions without an `id`;
    ///   they cannot be applied, so they are refused here.)
    public init(object: JSONValue) throws(StripeEventError) {
        id = try object.requireStripeObject(Self.objectType)
        guard let status = object["status"]?.nonEmptyString else { throw .missingField("status") }
        self.status = SubscriptionStatus(rawValue: status)
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
}
