import BillingCore
import Foundation

/// The part of Stripe's HTTP API that billing uses (`API.md` § Billing (Stripe)).
///
/// Every call throws only `StripeError`; see there for how each failure becomes our HTTP answer.
/// Calls that create or change something take an `idempotencyKey` (at most 255 characters), sent
/// as `Idempotency-Key` and kept the same on every retry, so that a call repeated after a timeout
/// or a lost answer is applied once: Stripe saves the first answer for a key (for at least 24
/// hours) and replays it (Stripe API reference, "Idempotent requests"). A caller that repeats a
/// whole operation (a user's double click, a job run again) should derive the key from what makes
/// the operation one, e.g. `"checkout-\(userID)-\(priceID)-\(attemptID)"`, not mint a new one.
///
/// Every object Hirebase creates carries our user id as `metadata[user_id]`.
///
/// Answers are read by BillingCore's readers (`Customer`, `CheckoutSession`, `Subscription`), the
/// same that read webhook events, so both API shapes of a subscription's period are handled in
/// one place.
///
/// Implementations: `LiveStripeClient` (Stripe over HTTP, with retries and a circuit breaker) and
/// `UnconfiguredStripeClient` (no secret key: everything throws `.notConfigured`).
public protocol StripeAPI: Sendable {
    /// `POST /v1/customers` with `email` (when known) and `metadata[user_id]`.
    func createCustomer(userID: UUID, email: String?, idempotencyKey: String) async throws(StripeError) -> Customer

    /// `POST /v1/checkout/sessions` for a subscription to `priceID` (quantity 1) by `customerID`,
    /// with our user id as `client_reference_id`, `metadata[user_id]` and
    /// `subscription_data[metadata][user_id]` (so the subscription carries it too).
    /// `successURL` and `cancelURL` are absolute URLs; Stripe replaces `{CHECKOUT_SESSION_ID}`
    /// in them with the session's id.
    func createCheckoutSession(
        customerID: String, priceID: String, userID: UUID, successURL: String, cancelURL: String, idempotencyKey: String
    ) async throws(StripeError) -> CheckoutSession

    /// `GET /v1/checkout/sessions/{id}`, with `expand[]=line_items` when `expandLineItems` (the
    /// only way to learn the session's price). An id that is not a Stripe id throws `.notFound`
    /// without asking Stripe.
    func retrieveCheckoutSession(id: String, expandLineItems: Bool) async throws(StripeError) -> CheckoutSession

    /// `GET /v1/subscriptions/{id}`. An id that is not a Stripe id throws `.notFound`.
    func retrieveSubscription(id: String) async throws(StripeError) -> Subscription

    /// `POST /v1/subscriptions/{id}` with `cancel_at_period_end`: schedule (or undo) the end of
    /// the subscription at the end of the paid period.
    func updateSubscription(id: String, cancelAtPeriodEnd: Bool, idempotencyKey: String) async throws(StripeError)
        -> Subscription

    /// `DELETE /v1/subscriptions/{id}`: cancel at once. Stripe answers with the subscription,
    /// `status: canceled`. For a subscription already cancelled Stripe answers 404
    /// `resource_missing` ("No such subscription"), thrown as `.notFound`, although
    /// `retrieveSubscription` still returns it (status `canceled`); the caller retrieves it to
    /// answer with the current state (`API.md`: "already cancelled at Stripe -> 200 with the
    /// current state"). Stripe ignores `Idempotency-Key` on DELETE ("Idempotent requests": DELETE
    /// is idempotent by definition); it is sent all the same, so that a retry is recognisable in
    /// Stripe's request logs.
    func cancelSubscription(id: String, idempotencyKey: String) async throws(StripeError) -> Subscription

    /// The circuit breaker the calls go through, if any: its state is exported by `/metrics`
    /// (`hirebase_stripe_circuit_breaker_state`). `nil` by default.
    var circuitBreaker: CircuitBreaker? { get }
}

extension StripeAPI {
    public var circuitBreaker: CircuitBreaker? { nil }

    /// `retrieveCheckoutSession(id:expandLineItems:)` with the line items, as billing's checks need.
    public func retrieveCheckoutSession(id: String) async throws(StripeError) -> CheckoutSession {
        try await retrieveCheckoutSession(id: id, expandLineItems: true)
    }
}
