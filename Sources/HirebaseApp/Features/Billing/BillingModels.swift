import Fluent
import Foundation

/// The Stripe customer of a user (the payer); at most one per user, enforced by the primary key.
/// Queried only through `BillingStore`.
final class StripeCustomerLink: Model, @unchecked Sendable {
    static let schema = "stripe_customers"

    /// The user id.
    @ID(custom: "user_id", generatedBy: .user) var id: UUID?
    @Field(key: "customer_id") var customerID: String
    /// When the link was made (the service's clock).
    @OptionalField(key: "created_at") var createdAt: Date?

    init() {}
}

/// A user's Stripe subscription as last learned from Stripe (webhooks or a read), with the
/// watermark that orders updates: the table row of `SubscriptionRecord` (see `BillingStore`).
final class BillingSubscription: Model, @unchecked Sendable {
    static let schema = "subscriptions"

    /// The user id (one subscription per user).
    @ID(custom: "user_id", generatedBy: .user) var id: UUID?
    @Field(key: "subscription_id") var subscriptionID: String
    /// `""` when Stripe never named the customer.
    @Field(key: "customer_id") var customerID: String
    /// Our plan name (from the price id), or the price id itself when the plans file has none.
    @Field(key: "plan") var plan: String
    @OptionalField(key: "price_id") var priceID: String?
    /// Stripe's status as Stripe spells it (`SubscriptionStatus.rawValue`).
    @Field(key: "status") var status: String
    @OptionalField(key: "current_period_start") var currentPeriodStart: Date?
    @OptionalField(key: "current_period_end") var currentPeriodEnd: Date?
    /// Stripe's `cancel_at_period_end` as received.
    @Field(key: "cancel_at_period_end") var cancelAtPeriodEnd: Bool
    /// Seconds since 1970 of the newest Stripe state applied (`StripeWatermark.created`: event
    /// `created`, or the time of a direct read).
    @Field(key: "watermark") var watermark: Int64
    /// When the row was last written (the service's clock).
    @OptionalField(key: "updated_at") var updatedAt: Date?

    init() {}
}

/// A Stripe event already applied, by id: a replay is acknowledged and not applied twice.
final class StripeEventRecord: Model, @unchecked Sendable {
    static let schema = "stripe_events"

    @ID(custom: "event_id", generatedBy: .user) var id: String?
    @Field(key: "type") var type: String
    /// The event's `created`, Unix seconds.
    @Field(key: "created") var created: Int64
    /// When the event was recorded (the service's clock).
    @OptionalField(key: "received_at") var receivedAt: Date?

    init() {}
}
