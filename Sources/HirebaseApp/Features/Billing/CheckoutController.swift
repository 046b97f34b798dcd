import BillingCore
import Fluent
import SQLKit
import Vapor

/// `POST /create-checkout-session` and `POST /cancel-subscription` (both auth + CSRF).
struct CheckoutController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("create-checkout-session", use: createCheckoutSession)
        routes.post("cancel-subscription", use: cancelSubscription)
    }

    struct CheckoutRequest: Content {
        var plan: String?
        var priceId: String?
        var successUrl: String?
        var cancelUrl: String?
    }

    struct CheckoutResponse: Content {
        var sessionId: String
        var url: String?
    }

    @Sendable
    func createCheckoutSession(req: Request) async throws -> CheckoutResponse {
        let user = try await req.requireUser()
        let body = try req.content.decode(CheckoutRequest.self)
        let services = req.hirebase
        let plans = services.billing.plans
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
        let success = checkURL(body.successUrl, "successUrl", &validator, config: services.config)
        let cancel = checkURL(body.cancelUrl, "cancelUrl", &validator, config: services.config)
        try validator.check()
        guard let plan = chosen, let priceID = plan.priceID else { throw AppError.invalidField("plan", "is required") }

        let customerID = try await customer(for: user, req: req)
        let session: StripeCheckoutSession
        do throws(StripeError) {
            session = try await services.stripe.createCheckoutSession(
                customerID: customerID, priceID: priceID, userID: user.id, successURL: success, cancelURL: cancel,
                idempotencyKey: "hirebase-checkout-\(UUID().uuidString.lowercased())")
        } catch {
            throw error.appError
        }
        req.logger.info("checkout session created", metadata: ["plan": .string(plan.name)])
        return CheckoutResponse(sessionId: session.id, url: session.url)
    }

    /// The user's one Stripe customer, created on first checkout. Concurrent first calls use the
    /// same idempotency key, so Stripe answers them all with the same customer, and the row is
    /// inserted once (the other inserts are ignored).
    private func customer(for user: AuthenticatedUser, req: Request) async throws -> String {
        if let link = try await StripeCustomerLink.find(user.id, on: req.db) { return link.customerID }
        let created: StripeCustomer
        do throws(StripeError) {
            created = try await req.hirebase.stripe.createCustomer(
                userID: user.id, email: user.email, idempotencyKey: "hirebase-customer-\(user.id.lowercased)")
        } catch {
            throw error.appError
        }
        try await req.db.sql.insert(into: StripeCustomerLink.schema)
            .columns("user_id", "customer_id", "created_at")
            .values(SQLBind(user.id), SQLBind(created.id), SQLBind(Date()))
            .ignoringConflicts()
            .run()
        guard let link = try await StripeCustomerLink.find(user.id, on: req.db) else { throw AppError(.internalServerError, detail: "Internal server error") }
        return link.customerID
    }

    /// An absolute http(s) URL; in production on `PUBLIC_APP_URL`'s origin (no open redirect
    /// through our checkout).
    private func checkURL(_ raw: String?, _ field: String, _ validator: inout FieldValidator, config: AppConfig) -> String {
        let text = validator.text(raw, field, maxLength: 2048)
        guard !text.isEmpty else { return "" }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            validator.fail(field, "must be an absolute http or https URL")
            return ""
        }
        if config.kind == .production {
            let app = config.publicAppURL
            if url.scheme?.lowercased() != app.scheme?.lowercased() || url.host?.lowercased() != app.host?.lowercased() || url.port != app.port {
                validator.fail(field, "must be on \(app.scheme ?? "https")://\(app.host ?? "")")
            }
        }
        return text
    }

    private static func requestCancel(_ stripe: any StripeAPI, id: String, atPeriodEnd: Bool, key: String) async -> Result<StripeSubscription, StripeError> {
        do throws(StripeError) {
            return .success(atPeriodEnd
                ? try await stripe.updateSubscription(id: id, cancelAtPeriodEnd: true, idempotencyKey: key)
                : try await stripe.cancelSubscription(id: id, idempotencyKey: key))
        } catch {
            return .failure(error)
        }
    }

    private static func retrieve(_ stripe: any StripeAPI, id: String) async -> Result<StripeSubscription, StripeError> {
        do throws(StripeError) {
            return .success(try await stripe.retrieveSubscription(id: id))
        } catch {
            return .failure(error)
        }
    }

    struct CancelRequest: Content {
        var atPeriodEnd: Bool?
    }

    @Sendable
    func cancelSubscription(req: Request) async throws -> BillingController.StatusResponse {
        let user = try await req.requireUser()
        let body = req.body.data == nil ? CancelRequest() : try req.content.decode(CancelRequest.self)
        guard let row = try await BillingSubscription.find(user.id, on: req.db) else {
            throw AppError.notFound("Subscription")
        }
        if SubscriptionView.terminalStatuses.contains(row.status) {
            req.logger.warning("cancel of an ended subscription; answering the current state", metadata: ["subscription-id": .string(row.subscriptionID)])
            return try await BillingController.status(of: user.id, req: req)
        }
        let stripe = req.hirebase.stripe
        let atPeriodEnd = body.atPeriodEnd ?? true
        let key = "hirebase-cancel-\(row.subscriptionID)-\(atPeriodEnd ? "period-end" : "now")"
        let updated: StripeSubscription
        switch await Self.requestCancel(stripe, id: row.subscriptionID, atPeriodEnd: atPeriodEnd, key: key) {
        case .success(let subscription):
            updated = subscription
        case .failure(.invalidRequest), .failure(.notFound):
            // Already cancelled at Stripe (or gone): answer the current state, not a 500.
            req.logger.warning("cancel refused by Stripe; answering the current state", metadata: ["subscription-id": .string(row.subscriptionID)])
            switch await Self.retrieve(stripe, id: row.subscriptionID) {
            case .success(let subscription):
                updated = subscription
            case .failure(.notFound):
                row.status = "canceled"
                try await row.update(on: req.db)
                await req.hirebase.billing.cache.invalidate(user.id)
                return try await BillingController.status(of: user.id, req: req)
            case .failure(let error):
                throw error.appError
            }
        case .failure(let error):
            throw error.appError
        }
        try await req.hirebase.eventApplier.store(SubscriptionFacts(updated), userID: user.id, watermark: Int64(Date().timeIntervalSince1970), on: req.db)
        await req.hirebase.billing.cache.invalidate(user.id)
        req.logger.info("subscription cancellation requested", metadata: ["at-period-end": .stringConvertible(atPeriodEnd)])
        return try await BillingController.status(of: user.id, req: req)
    }
}
