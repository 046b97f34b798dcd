import Fluent
import Foundation

/// Uses of one plan feature by one user in one billing period. The row is changed only by a
/// conditional `UPDATE ... SET used = used + n WHERE used + n <= limit` (`BillingStore`), so that
/// concurrent consumers on any instance never pass the limit together.
final class UsageCounter: Model, @unchecked Sendable {
    static let schema = "usage_counters"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "feature") var feature: String
    /// Start of the period, microseconds since 1970 (exact on both databases).
    @Field(key: "period_start_us") var periodStartMicros: Int64
    @Field(key: "used") var used: Int

    init() {}
}

/// One recorded consumption with its caller's idempotency key, so that a retried request gets
/// the first answer and is not counted twice.
final class UsageRecord: Model, @unchecked Sendable {
    static let schema = "usage_records"

    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "feature") var feature: String
    @Field(key: "idempotency_key") var idempotencyKey: String
    @Field(key: "period_start_us") var periodStartMicros: Int64
    @Field(key: "quantity") var quantity: Int
    @Field(key: "allowed") var allowed: Bool
    /// `used` as answered the first time.
    @Field(key: "used") var used: Int
    /// When the consumption was recorded (the service's clock).
    @OptionalField(key: "created_at") var createdAt: Date?

    init() {}
}
