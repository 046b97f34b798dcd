import BillingCore
import Fluent
import Foundation

/// Plan state and metered usage of users, shared by `POST /verify-billing`,
/// `GET /subscription-status` and every endpoint that consumes a plan feature.
struct BillingService: UsageMetering {
    let plans: PlanCatalog
    let cache: SubscriptionCache

    /// The user's stored subscription, through the cache.
    func subscription(of userID: UUID, on db: any Database) async throws -> BillingSubscriptionSnapshot? {
        if let cached = await cache.get(userID) { return cached }
        let stored = try await BillingSubscription.find(userID, on: db).map(BillingSubscriptionSnapshot.init)
        await cache.set(userID, stored)
        return stored
    }

    /// What the user's plan allows now.
    func state(of userID: UUID, on db: any Database, now: Date = Date()) async throws -> BillingState {
        BillingState.resolve(subscription: try await subscription(of: userID, on: db), plans: plans, now: now)
    }

    func consume(_ feature: PlanFeature, quantity: Int, userID: UUID, idempotencyKey: String?, on db: any Database) async throws -> UsageDecision {
        let state = try await state(of: userID, on: db)
        let limit = state.plan.limit(for: feature)
        let outcome = try await UsageLedger.consume(
            userID: userID, feature: feature.rawValue, quantity: quantity, limit: limit,
            periodStart: state.period.start, idempotencyKey: idempotencyKey, on: db)
        return UsageDecision(allowed: outcome.allowed, plan: state.plan.name, used: outcome.used, limit: limit, periodEnd: state.period.end)
    }

    /// Whether `quantity` more uses fit, recording nothing.
    func check(_ feature: PlanFeature, quantity: Int, userID: UUID, on db: any Database) async throws -> UsageDecision {
        let state = try await state(of: userID, on: db)
        let limit = state.plan.limit(for: feature)
        let outcome = try await UsageLedger.check(userID: userID, feature: feature.rawValue, quantity: quantity, limit: limit,
                                                  periodStart: state.period.start, on: db)
        return UsageDecision(allowed: outcome.allowed, plan: state.plan.name, used: outcome.used, limit: limit, periodEnd: state.period.end)
    }
}
