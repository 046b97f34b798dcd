import Fluent
import Foundation

/// Uses of one plan feature by one user in one billing period. The row is changed only by a
/// conditional `UPDATE ... SET used = used + n WHERE used + n <= limit` (`BillingStore`), so that
/// concurrent consumers on any instance never pass the limit together.
final class UsageCounter: Model, @unchecked Sendable {
    static let schema = "usage_counters"

    /// The table's columns, for the model's fields and the store's SQL.
    enum Column {
        static let id: FieldKey = .id
        static let userID: FieldKey = "user_id"
        static let feature: FieldKey = "feature"
        static let periodStartMicros: FieldKey = "period_start_us"
        static let used: FieldKey = "used"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: Column.userID) var userID: UUID
    @Field(key: Column.feature) var feature: String
    /// Start of the period, microseconds since 1970 (exact on both databases).
    @Field(key: Column.periodStartMicros) var periodStartMicros: Int64
    @Field(key: Column.used) var used: Int

    init() {}
}

/// One recorded consumption with its caller's idempotency key, so that a retried request gets
/// the first answer and is not counted twice.
final class UsageRecord: Model, @unchecked Sendable {
    static let schema = "usage_records"

    /// The table's columns.
    enum Column {
        static let userID: FieldKey = "user_id"
        static let feature: FieldKey = "feature"
        static let idempotencyKey: FieldKey = "idempotency_key"
        static let periodStartMicros: FieldKey = "period_start_us"
        static let quantity: FieldKey = "quantity"
        static let allowed: FieldKey = "allowed"
        static let used: FieldKey = "used"
        static let createdAt: FieldKey = "created_at"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: Column.userID) var userID: UUID
    @Field(key: Column.feature) var feature: String
    @Field(key: Column.idempotencyKey) var idempotencyKey: String
    @Field(key: Column.periodStartMicros) var periodStartMicros: Int64
    @Field(key: Column.quantity) var quantity: Int
    @Field(key: Column.allowed) var allowed: Bool
    /// `used` as answered the first time.
    @Field(key: Column.used) var used: Int
    /// When the consumption was recorded (the service's clock).
    @OptionalField(key: Column.createdAt) var createdAt: Date?

    init() {}
}
