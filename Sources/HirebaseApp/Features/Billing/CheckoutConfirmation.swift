import BillingCore
import Fluent
import SQLKit
import Vapor

/// `POST /verify-billing {"sessionId"}`: confirms a finished Checkout Session with Stripe and
/// activates the plan at once (without waiting for the webhook).
///
/// Checked against the plan before activating: the session belongs to the caller
/// (`client_reference_id`/`metadata.user_id`), `mode` is `subscription`, `status` is `complete`,
/// `payment_status` is `paid` or `no_payment_required`, and `amount_total`/`currency` equal the
/// plan's price. A mismatch is 409 and activates nothing.
struct CheckoutConfirmation {
    let req: Request

    struct Confirmation: Content {
        var activated: Bool
        var plan: String
        var status: String
        var currentPeriodEnd: Date?
    }

    func confirm(sessionID: String, user: AuthenticatedUser) async throws -> Confirmation {
        guard (1...255).contains(sessionID.unicodeScalars.count), sessionID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw AppError.invalidField("sessionId", "is not a Checkout Session id")
        }
        let services = req.hirebase
        let session: StripeCheckoutSession
        do throws(StripeError) {
            session = try await services.stripe.retrieveCheckoutSession(id: sessionID)
        } catch {
            throw error.appError
        }
        let owner = session.clientReferenceID.flatMap(UUID.init(uuidString:)) ?? session.userID
        guard owner == user.id else { throw AppError.forbidden("This checkout session belongs to another user") }
        guard session.mode == "subscription", session.status == "complete", ["paid", "no_payment_required"].contains(session.paymentStatus) else {
            throw AppError.conflict("The checkout session is not complete and paid (mode \(session.mode), status \(session.status ?? "unknown"), payment \(session.paymentStatus))")
        }
        guard let priceID = session.priceID, let plan = services.billing.plans.plan(forPriceID: priceID) else {
            throw AppError.conflict("The checkout session is not for a plan of this service")
        }
        guard session.amountTotal == plan.amount, session.currency?.lowercased() == plan.currency.lowercased() else {
            throw AppError.conflict("The checkout session's amount or currency does not match the \(plan.name) plan")
        }
        guard let subscriptionID = session.subscriptionID, let customerID = session.customerID else {
            throw AppError.conflict("The checkout session has no subscription")
        }
        let subscription: StripeSubscription
        do throws(StripeError) {
            subscription = try await services.stripe.retrieveSubscription(id: subscriptionID)
        } catch {
            throw error.appError
        }
        if try await StripeCustomerLink.find(user.id, on: req.db) == nil {
            try await req.db.sql.insert(into: StripeCustomerLink.schema)
                .columns("user_id", "customer_id", "created_at")
                .values(SQLBind(user.id), SQLBind(customerID), SQLBind(Date()))
                .ignoringConflicts()
                .run()
        }
        try await services.eventApplier.store(SubscriptionFacts(subscription), userID: user.id, watermark: Int64(Date().timeIntervalSince1970), on: req.db)
        await services.billing.cache.invalidate(user.id)
        req.logger.info("checkout confirmed", metadata: ["plan": .string(plan.name)])
        return Confirmation(activated: BillingState.payingStatuses.contains(subscription.status), plan: plan.name,
                            status: subscription.status, currentPeriodEnd: subscription.currentPeriodEnd)
    }
}
