import BillingCore
import Foundation

/// The `StripeAPI` when no secret key is configured (`STRIPE_SECRET_KEY` unset): every call
/// throws `.notConfigured`, which billing answers with 503 `stripe_not_configured`, while the
/// rest of the service keeps working (`API.md` § Billing).
public struct UnconfiguredStripeClient: StripeAPI {
    public init() {}

    public func createCustomer(userID: UUID, email: String?, idempotencyKey: String) async throws(StripeError)
        -> Customer
    {
        throw .notConfigured
    }

    public func createCheckoutSession(
        customerID: String, priceID: String, userID: UUID, successURL: String, cancelURL: String, idempotencyKey: String
    ) async throws(StripeError) -> CheckoutSession {
        throw .notConfigured
    }

    public func retrieveCheckoutSession(id: String, expandLineItems: Bool) async throws(StripeError)
        -> CheckoutSession
    {
        throw .notConfigured
    }

    public func retrieveSubscription(id: String) async throws(StripeError) -> Subscription {
        throw .notConfigured
    }

    public func updateSubscription(id: String, cancelAtPeriodEnd: Bool, idempotencyKey: String) async throws(StripeError)
        -> Subscription
    {
        throw .notConfigured
    }

    public func cancelSubscription(id: String, idempotencyKey: String) async throws(StripeError) -> Subscription {
        throw .notConfigured
    }
}
