import BillingCore
import Fluent
import Foundation

/// The answer of a usage check: whether the use fits, and the numbers to show.
public struct UsageDecision: Sendable, Equatable {
    public var allowed: Bool
    public var plan: String
    public var used: Int?
    public var limit: Int?
    public var periodEnd: Date?

    public init(allowed: Bool, plan: String, used: Int? = nil, limit: Int? = nil, periodEnd: Date? = nil) {
        self.allowed = allowed
        self.plan = plan
        self.used = used
        self.limit = limit
        self.periodEnd = periodEnd
    }
}

/// How endpoints that use a plan feature consume it (`BillingService` over the usage ledger).
/// Runs inside the caller's transaction where there is one, so that a failed action counts nothing.
public protocol UsageMetering: Sendable {
    /// Records `quantity` uses of `feature` by `userID` when they fit the plan.
    /// - Returns: the decision; nothing is recorded when `allowed` is false.
    func consume(_ feature: PlanFeature, quantity: Int, userID: UUID, idempotencyKey: String?, on db: any Database) async throws -> UsageDecision

    /// To be called after the caller's transaction that consumed commits: drops what this
    /// instance cached of the user's usage (a read between the consumption and the commit saw
    /// the old count).
    func usageChanged(of userID: UUID)
}

extension UsageMetering {
    /// Consumes one use or throws 402 `plan_limit_reached` with the plan, limit and period end.
    func consumeOrRefuse(_ feature: PlanFeature, userID: UUID, on db: any Database) async throws {
        let decision = try await consume(feature, quantity: 1, userID: userID, idempotencyKey: nil, on: db)
        guard decision.allowed else { throw UsageDecision.refusal(decision, feature: feature) }
    }
}

extension UsageDecision {
    /// 402 `plan_limit_reached` with `plan`, `feature`, `limit` (a number) and `periodEnd`.
    static func refusal(_ decision: UsageDecision, feature: PlanFeature) -> AppError {
        var extra = ["plan": decision.plan, "feature": feature.rawValue]
        if let end = decision.periodEnd { extra["periodEnd"] = end.formatted(.iso8601) }
        var error = AppError(.paymentRequired, detail: "The \(decision.plan) plan allows \(decision.limit.map(String.init) ?? "no more") \(feature.rawValue) per period", extra: extra)
        if let limit = decision.limit { error.extraNumbers["limit"] = limit }
        return error
    }
}
