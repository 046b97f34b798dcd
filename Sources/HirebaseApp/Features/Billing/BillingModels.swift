import Fluent
import Foundation

/// The Stripe customer of a user (the payer); at most one per user, enforced by the primary key.
/// Queried only through `BillingStore`.
final class StripeCustomerLink: Model, @unchecked Sendable {
    static let schema = "stripe_customers"

    /// The table's columns, for the model's fields and the store's SQL.
    enum Column {
        static let userID: FieldKey = "user_id"
        static let customerID: FieldKey = "customer_id"
        static let createdAt: FieldKey = "created_at"
    }

    /// The user id.
    @ID(custom: Column.userID, generatedBy: .user) var id: UUID?
    @Field(key: Column.customerID) var customerID: String
    /// When the link was made (the service's clock).
    @OptionalField(key: Column.createdAt) var createdAt: Date?

    init() {}
}

/// A user's Stripe subscription as last learned from Stripe (webhooks or a read), with the
/// watermark that orders updates: the table row of `SubscriptionRecord` (see `BillingStore`).
final class BillingSubscription: Model, @unchecked Sendable {
    static let schema = "subscriptions"

    /// The table's columns, for the model's fields and the store's queries.
    enum Column {
        static let userID: FieldKey = "user_id"
        static let subscriptionID: FieldKey = "subscription_id"
        static let customerID: FieldKey = "customer_id"
        static let plan: FieldKey = "plan"
        static let priceID: FieldKey = "price_id"
        static let status: FieldKey = "status"
        static let currentPeriodStart: FieldKey = "current_period_start"
        static let currentPeriodEnd: FieldKey = "current_period_end"
        static let cancelAtPeriodEnd: FieldKey = "cancel_at_period_end"
        static let watermark: FieldKey = "watermark"
        static let updatedAt: FieldKey = "updated_at"
    }

    /// The user id (one subscription per user).
    @ID(custom: Column.userID, generatedBy: .user) var id: UUID?
    @Field(key: Column.subscriptionID) var subscriptionID: String
    /// `""` when Stripe never named the customer.
    @Field(key: Column.customerID) var customerID: String
    /// Our plan name (from the price id), or the price id itself when the plans file has none.
    @Field(key: Column.plan) var plan: String
    @OptionalField(key: Column.priceID) var priceID: String?
    /// Stripe's status as Stripe spells it (`SubscriptionStatus.rawValue`).
    @Field(key: Column.status) var status: String
    @OptionalField(key: Column.currentPeriodStart) var currentPeriodStart: Date?
    @OptionalField(key: Column.currentPeriodEnd) var currentPeriodEnd: Date?
    /// Stripe's `cancel_at_period_end` as received.
    @Field(key: Column.cancelAtPeriodEnd) var cancelAtPeriodEnd: Bool
    /// Seconds since 1970 of the newest Stripe state applied (`StripeWatermark.created`: event
    /// `created`, or the time of a direct read).
    @Field(key: Column.watermark) var watermark: Int64
    /// When the row was last written (the service's clock).
    @OptionalField(key: Column.updatedAt) var updatedAt: Date?

    init() {}
}

/// A Stripe event already applied, by id: a replay is acknowledged and not applied twice.
final class StripeEventRecord: Model, @unchecked Sendable {
    static let schema = "stripe_events"

    /// The table's columns.
    enum Column {
        static let eventID: FieldKey = "event_id"
        static let type: FieldKey = "type"
        static let created: FieldKey = "created"
        static let receivedAt: FieldKey = "received_at"
    }

    @ID(custom: Column.eventID, generatedBy: .user) var id: String?
    @Field(key: Column.type) var type: String
    /// The event's `created`, Unix seconds.
    @Field(key: Column.created) var created: Int64
    /// When the event was recorded (the service's clock).
    @OptionalField(key: Column.receivedAt) var receivedAt: Date?

    init() {}
}
