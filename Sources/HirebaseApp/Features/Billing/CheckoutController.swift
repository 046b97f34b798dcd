import BillingCore
import Vapor

/// `POST /create-checkout-session` and `POST /cancel-subscription` (both auth + CSRF): HTTP only,
/// the rules are `BillingService`'s.
struct CheckoutController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("create-checkout-session", use: createCheckoutSession)
        routes.post("cancel-subscription", use: cancelSubscription)
    }

    @Sendable
    func createCheckoutSession(req: Request) async throws -> CheckoutSessionResponse {
        let user = try await req.requireUser()
        let body = try req.content.decode(CreateCheckoutSessionRequest.self)
        let services = req.hirebase
        let input = try Self.validate(body, plans: services.billing.plans, config: services.config)
        let session = try await services.billing.createCheckout(input, for: user, on: req.db, logger: req.logger)
        return CheckoutSessionResponse(session)
    }

    /// The checkout input, every invalid field reported at once.
    /// - Throws: 400 `invalid_input` listing the fields.
    static func validate(_ body: CreateCheckoutSessionRequest, plans: PlanCatalog, config: AppConfig) throws -> BillingService.CheckoutInput {
        var validator = FieldValidator()
        var chosen: Plan?
        switch (body.plan, body.priceId) {
        case (let name?, nil):
            chosen = plans.plan(named: name)
            if chosen == nil { validator.fail("plan", "is not a plan of this service") }
        case (nil, let price?):
            chosen = plans.plan(forPriceID: price)
            if chosen == nil { validator.fail("priceId", "is not the price of a plan of this service") }
        default:
            validator.fail("plan", "give plan or priceId (exactly one)")
        }
        if let chosen, chosen.priceID == nil { validator.fail("plan", "the \(chosen.name) plan needs no checkout") }
        let success = checkURL(body.successUrl, "successUrl", &validator, config: config)
        let cancel = checkURL(body.cancelUrl, "cancelUrl", &validator, config: config)
        try validator.check()
        guard let plan = chosen, let priceID = plan.priceID else { throw AppError.invalidField("plan", "is required") }
        return BillingService.CheckoutInput(plan: plan, priceID: priceID, successURL: success, cancelURL: cancel)
    }

    /// An absolute http(s) URL; in production on `PUBLIC_APP_URL`'s origin (no open redirect
    /// through our checkout).
    private static func checkURL(_ raw: String?, _ field: String, _ validator: inout FieldValidator, config: AppConfig) -> String {
        guard let url = validator.httpURL(raw, field) else { return "" }
        if config.kind == .production {
            let app = config.publicAppURL
            if url.scheme?.lowercased() != app.scheme?.lowercased() || url.host?.lowercased() != app.host?.lowercased() || url.port != app.port {
                validator.fail(field, "must be on \(app.scheme ?? "https")://\(app.host ?? "")")
            }
        }
        return url.absoluteString
    }

    @Sendable
    func cancelSubscription(req: Request) async throws -> SubscriptionStatusResponse {
        let user = try await req.requireUser()
        let body = req.body.data == nil ? CancelSubscriptionRequest() : try req.content.decode(CancelSubscriptionRequest.self)
        let status = try await req.hirebase.billing.cancelSubscription(
            of: user.id, atPeriodEnd: body.atPeriodEnd ?? true, on: req.db, logger: req.logger)
        return SubscriptionStatusResponse(status)
    }
}
