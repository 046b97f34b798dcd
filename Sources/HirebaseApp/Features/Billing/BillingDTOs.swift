import BillingCore
import Foundation
import Vapor

// The bodies of billing's endpoints (`API.md` § Billing). Members are encoded in the order
// written, and optional members that the contract always shows are encoded as `null`.

/// `POST /create-checkout-session` body: exactly one of `plan` and `priceId`, and both URLs.
struct CreateCheckoutSessionRequest: Content {
    var plan: String?
    var priceId: String?
    var successUrl: String?
    var cancelUrl: String?
}

/// `POST /create-checkout-session` answer.
struct CheckoutSessionResponse: Content {
    var sessionId: String
    var url: String?

    init(_ session: CheckoutSession) {
        sessionId = session.id
        url = session.url
    }
}

/// `POST /cancel-subscription` body (optional): `atPeriodEnd` defaults to `true`.
struct CancelSubscriptionRequest: Content {
    var atPeriodEnd: Bool?
}

/// `POST /verify-billing` body: a usage check or a checkout confirmation (`sessionId`).
struct VerifyBillingRequest: Content {
    var feature: String?
    var consume: Bool?
    var quantity: Int?
    var idempotencyKey: String?
    var sessionId: String?
}

/// `{"allowed", "plan", "feature", "used", "limit", "remaining", "periodEnd"}`; `limit` and
/// `remaining` are `null` when unlimited (always present).
struct UsageCheckResponse: Content {
    var allowed: Bool
    var plan: String
    var feature: String
    var used: Int
    var limit: Int?
    var remaining: Int?
    var periodEnd: Date?

    init(_ decision: UsageDecision, feature: PlanFeature) {
        let used = decision.used ?? 0
        allowed = decision.allowed
        plan = decision.plan
        self.feature = feature.rawValue
        self.used = used
        limit = decision.limit
        remaining = decision.limit.map { max(0, $0 - used) }
        periodEnd = decision.periodEnd
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(allowed, forKey: .allowed)
        try container.encode(plan, forKey: .plan)
        try container.encode(feature, forKey: .feature)
        try container.encode(used, forKey: .used)
        try container.encode(limit, forKey: .limit)
        try container.encode(remaining, forKey: .remaining)
        try container.encode(periodEnd, forKey: .periodEnd)
    }
}

/// `POST /verify-billing {"sessionId"}` answer: `{activated, plan, status, currentPeriodEnd?}`.
struct CheckoutConfirmationResponse: Content {
    var activated: Bool
    var plan: String
    var status: String
    var currentPeriodEnd: Date?

    init(_ confirmation: BillingService.Confirmation) {
        activated = confirmation.activated
        plan = confirmation.plan.name
        status = confirmation.subscription.status.rawValue
        currentPeriodEnd = confirmation.subscription.currentPeriodEnd
    }
}

/// `GET /subscription-status` query.
struct SubscriptionStatusQuery: Content {
    var userId: String?
}

/// One feature's use in the current period.
struct FeatureUsageResponse: Content {
    var used: Int
    var limit: Int?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(used, forKey: .used)
        try container.encode(limit, forKey: .limit)
    }
}

/// The status body of `GET /subscription-status`, also answered by `POST /cancel-subscription`.
struct SubscriptionStatusResponse: Content {
    var userId: String
    var plan: String
    var status: String
    var currentPeriodEnd: Date?
    var cancelAtPeriodEnd: Bool
    var periodStart: Date
    var periodEnd: Date
    var usage: [String: FeatureUsageResponse]

    init(_ status: BillingService.Status) {
        let standing = status.standing
        userId = status.userID.lowercased
        plan = standing.planName
        self.status = standing.status
        currentPeriodEnd = standing.currentPeriodEnd
        cancelAtPeriodEnd = standing.cancelAtPeriodEnd
        periodStart = standing.period.start
        periodEnd = standing.period.end
        var usage: [String: FeatureUsageResponse] = [:]
        for feature in PlanFeature.allCases {
            usage[feature.rawValue] = FeatureUsageResponse(used: status.used[feature] ?? 0, limit: standing.plan.limit(for: feature))
        }
        self.usage = usage
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(userId, forKey: .userId)
        try container.encode(plan, forKey: .plan)
        try container.encode(status, forKey: .status)
        try container.encode(currentPeriodEnd, forKey: .currentPeriodEnd)
        try container.encode(cancelAtPeriodEnd, forKey: .cancelAtPeriodEnd)
        try container.encode(periodStart, forKey: .periodStart)
        try container.encode(periodEnd, forKey: .periodEnd)
        // Keyed by feature name without going through `Dictionary`'s generic encoding.
        var byFeature = container.nestedContainer(keyedBy: FeatureKey.self, forKey: .usage)
        for (feature, use) in usage { try byFeature.encode(use, forKey: FeatureKey(stringValue: feature)) }
    }

    private struct FeatureKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// `POST /webhooks/stripe` answer.
struct WebhookAcknowledgement: Content {
    var received: Bool
    var duplicate: Bool
    var ignored: Bool

    init(_ outcome: BillingService.WebhookOutcome) {
        received = true
        duplicate = outcome == .duplicate
        ignored = outcome == .ignored
    }
}
