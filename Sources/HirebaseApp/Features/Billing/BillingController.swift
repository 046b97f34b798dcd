import BillingCore
import Vapor

/// `POST /verify-billing` (feature checks and consumption; checkout confirmation) and
/// `GET /subscription-status` (`API.md` § Billing): HTTP only, the rules are `BillingService`'s.
struct BillingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("verify-billing", use: verify)
        routes.get("subscription-status", use: status)
    }

    @Sendable
    func verify(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let body = try req.content.decode(VerifyBillingRequest.self)
        let billing = req.hirebase.billing
        if let sessionID = body.sessionId {
            guard body.feature == nil else { throw AppError.invalid("Give either feature or sessionId, not both") }
            // A confirmation calls Stripe: bounded per user by the costly class (issue 7 § 5).
            try await req.chargeCostly()
            guard Self.isStripeID(sessionID) else { throw AppError.invalidField("sessionId", "is not a Checkout Session id") }
            let confirmation = try await billing.confirmCheckout(sessionID: sessionID, userID: user.id, on: req.db, logger: req.logger)
            return try await CheckoutConfirmationResponse(confirmation).encodeResponse(for: req)
        }
        let usage = try Self.validate(body)
        let decision = usage.consume
            ? try await billing.consume(usage.feature, quantity: usage.quantity, userID: user.id, idempotencyKey: usage.idempotencyKey, on: req.db)
            : try await billing.check(usage.feature, quantity: usage.quantity, userID: user.id, on: req.db)
        return try await UsageCheckResponse(decision, feature: usage.feature).encodeResponse(for: req)
    }

    /// A checked usage check or consumption.
    struct UsageInput: Sendable {
        var feature: PlanFeature
        var consume: Bool
        /// 1...1000.
        var quantity: Int
        /// 1-255 Unicode scalars; only with `consume`.
        var idempotencyKey: String?
    }

    /// The usage input: the feature first (400 `feature_required`, then `unknown_feature`), then
    /// `quantity` and `idempotencyKey` problems together (400 `invalid_input`).
    static func validate(_ body: VerifyBillingRequest) throws -> UsageInput {
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
        return UsageInput(feature: feature, consume: body.consume == true, quantity: body.quantity ?? 1, idempotencyKey: body.idempotencyKey)
    }

    /// Whether `id` has the form of a Stripe object id (ASCII letters, digits, `_`; 1-255).
    private static func isStripeID(_ id: String) -> Bool {
        (1...255).contains(id.unicodeScalars.count) && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// The caller's status, or with `userId` another user's (platform admins). A status read
    /// from an unchanged cached snapshot answers the body encoded for it before, byte for byte
    /// (`BillingService.keepEncodedBody`): encoding was 7-8% of this route's CPU.
    @Sendable
    func status(req: Request) async throws -> Response {
        let user = try await req.requireUser()
        let query = req.url.query == nil ? SubscriptionStatusQuery() : try req.query.decode(SubscriptionStatusQuery.self)
        var target = user.id
        if let raw = query.userId {
            guard let id = UUID(uuidString: raw) else { throw AppError.invalidField("userId", "must be a UUID") }
            guard id == user.id || user.isPlatformAdmin else {
                throw AppError.forbidden("Only platform admins can read another user's subscription")
            }
            target = id
        }
        let billing = req.hirebase.billing
        let status = try await billing.status(of: target, on: req.db)
        let response = try Self.response(status)
        if status.encodedBody == nil, let body = response.body.buffer { billing.keepEncodedBody(body, of: status) }
        return response
    }

    /// The encoder of the status body: the app's JSON settings with sorted keys, so that a status
    /// always encodes to the same bytes and a kept encoding is exactly what encoding gives.
    static let statusEncoder = makeJSONEncoder(sortedKeys: true)

    /// The `200` answer of `GET /subscription-status`: `status.encodedBody` when kept, else the
    /// status encoded by ``statusEncoder`` (`Content-Type: application/json; charset=utf-8`).
    /// - Throws: encoding errors (none for this shape).
    static func response(_ status: BillingService.Status) throws -> Response {
        let response = Response()
        if let body = status.encodedBody {
            response.headers.contentType = .json  // what `JSONEncoder`'s `ContentEncoder` conformance writes
            response.body = .init(buffer: body)
        } else {
            try response.content.encode(SubscriptionStatusResponse(status), using: statusEncoder)
        }
        return response
    }
}
