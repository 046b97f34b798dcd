import Fluent

struct CreateBilling: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("stripe_customers")
            .field("user_id", .uuid, .identifier(auto: false))
            .field("customer_id", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "customer_id", name: "stripe_customers_customer_key")
            .ignoreExisting()
            .create()
        try await database.schema("subscriptions")
            .field("user_id", .uuid, .identifier(auto: false))
            .field("subscription_id", .string, .required)
            .field("customer_id", .string, .required)
            .field("plan", .string, .required)
            .field("price_id", .string)
            .field("status", .string, .required)
            .field("current_period_start", .datetime)
            .field("current_period_end", .datetime)
            .field("cancel_at_period_end", .bool, .required)
            .field("watermark", .int64, .required)
            .field("updated_at", .datetime)
            .ignoreExisting()
            .create()
        try await database.createIndex(named: "subscriptions_subscription_idx", on: "subscriptions", columns: ["subscription_id"])
        try await database.createIndex(named: "subscriptions_customer_idx", on: "subscriptions", columns: ["customer_id"])
        try await database.schema("stripe_events")
            .field("event_id", .string, .identifier(auto: false))
            .field("type", .string, .required)
            .field("created", .int64, .required)
            .field("received_at", .datetime)
            .ignoreExisting()
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("stripe_events").delete()
        try await database.schema("subscriptions").delete()
        try await database.schema("stripe_customers").delete()
    }
}
