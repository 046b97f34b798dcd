import BillingCore
import Fluent
import Vapor

/// `POST /verify-billing` (feature checks and consumption; checkout confirmation) and
/// `GET /subscription-status` (`API.md` § Billing).
struct BillingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("verify-billing", use: verify)
        routes.get("subscription-status", use: status)
    }

    struct VerifyRequest: Content {
        var feature: String?
        var consume: Bool?
        var quantity: Int?
        var idempotencyKey: String?
        var sessionId: String?
    }

    /// `{"allowed", "plan", "feature", "used", "limit", "remaining", "periodEnd"}`; `limit` and
    /// `remaining` are `null` when unlimited (always present).
    struct VerifyResponse: Content {
        var allowed: Bool
        var plan: String
        var feature: String
        var used: Int
        var limit: Int?
        var remaining: Int?
        var periodEnd: Date?

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

    @Sendable
    func verify(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let body = try req.content.decode(VerifyRequest.self)
        if let sessionID = body.sessionId {
            guard body.feature == nil else { throw AppError.invalid("Give either feature or sessionId, not both") }
            // A confirmation calls Stripe: bounded per user by the costly class (issue 7 § 5).
            try await req.chargeCostly()
            let confirmation = try await CheckoutConfirmation(req: req).confirm(sessionID: sessionID, user: user)
            return try await confirmation.encodeResponse(for: req)
        }
        guard let raw = body.feature?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            throw AppError(.badRequest, code: "feature_required", detail: "Feature parameter required",
                           fieldErrors: [.init(field: "feature", message: "is required")])
        }
        guard let feature = PlanFeature(rawValue: raw) else {
            throw AppError(.badRequest, code: "unknown_feature",
                           detail: "Unknown feature \(raw.prefix(50)); expected one of \(PlanFeature.allCases.map(\.rawValue).joined(separator: ", "))",
                           fieldErrors: [.init(field: "feature", message: "is not a plan feature")])
        }
        var validator = FieldValidator()
        validator.range(body.quantity, "quantity", 1...1000)
        if let key = body.idempotencyKey, key.isEmpty || key.unicodeScalars.count > 255 {
            validator.fail("idempotencyKey", "must be 1 to 255 characters")
        }
        if body.idempotencyKey != nil, body.consume != true { validator.fail("idempotencyKey", "only applies with consume: true") }
        try validator.check()
        let quantity = body.quantity ?? 1
        let billing = req.hirebase.billing
        let decision = body.consume == true
            ? try await billing.consume(feature, quantity: quantity, userID: user.id, idempotencyKey: body.idempotencyKey, on: req.db)
            : try await billing.check(feature, quantity: quantity, userID: user.id, on: req.db)
        let used = decision.used ?? 0
        return try await VerifyResponse(
            allowed: decision.allowed, plan: decision.plan, feature: feature.rawValue, used: used, limit: decision.limit,
            remaining: decision.limit.map { max(0, $0 - used) }, periodEnd: decision.periodEnd
        ).encodeResponse(for: req)
    }

    struct StatusQuery: Content {
        var userId: String?
    }

    /// One feature's use in the current period.
    struct FeatureUsage: Content {
        var used: Int
        var limit: Int?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(used, forKey: .used)
            try container.encode(limit, forKey: .limit)
        }
    }

    struct StatusResponse: Content {
        var userId: String
        var plan: String
        var status: String
        var currentPeriodEnd: Date?
        var cancelAtPeriodEnd: Bool
        var periodStart: Date
        var periodEnd: Date
        var usage: [String: FeatureUsage]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(userId, forKey: .userId)
            try container.encode(plan, forKey: .plan)
            try container.encode(status, forKey: .status)
            try container.encode(currentPeriodEnd, forKey: .currentPeriodEnd)
            try container.encode(cancelAtPeriodEnd, forKey: .cancelAtPeriodEnd)
            try container.encode(periodStart, forKey: .periodStart)
            try container.encode(periodEnd, forKey: .periodEnd)
            try container.encode(usage, forKey: .usage)
        }
    }

    @Sendable
    func status(req: Request) async throws -> StatusResponse {
        let user = try await req.requireUser()
        let query = try req.query.decode(StatusQuery.self)
        var target = user.id
        if let raw = query.userId {
            guard let id = UUID(uuidString: raw) else { throw AppError.invalidField("userId", "must be a UUID") }
            guard id == user.id || user.isPlatformAdmin else {
                throw AppError.forbidden("Only platform admins can read another user's subscription")
            }
            target = id
        }
        return try await Self.status(of: target, req: req)
    }

    /// The status body of `GET /subscription-status` (also answered after a cancellation).
    static func status(of userID: UUID, req: Request) async throws -> StatusResponse {
        let state = try await req.hirebase.billing.state(of: userID, on: req.db)
        var usage: [String: FeatureUsage] = [:]
        for feature in PlanFeature.allCases {
            let used = try await UsageLedger.used(userID: userID, feature: feature.rawValue, periodStart: state.period.start, on: req.db)
            usage[feature.rawValue] = FeatureUsage(used: used, limit: state.plan.limit(for: feature))
        }
        return StatusResponse(
            userId: userID.lowercased, plan: state.subscribedPlan ?? state.plan.name, status: state.status,
            currentPeriodEnd: state.currentPeriodEnd, cancelAtPeriodEnd: state.cancelAtPeriodEnd,
            periodStart: state.period.start, periodEnd: state.period.end, usage: usage)
    }
}
