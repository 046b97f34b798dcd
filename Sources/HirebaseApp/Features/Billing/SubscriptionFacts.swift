import BillingCore
import Foundation

/// What Hirebase keeps of a Stripe subscription, from a webhook event (`SubscriptionView`) or
/// from the API (`StripeSubscription`) or from our table, so all are handled by one function.
struct SubscriptionFacts: Sendable, Equatable {
    var id: String
    var customerID: String?
    var status: String
    var cancelAtPeriodEnd: Bool
    var currentPeriodStart: Date?
    var currentPeriodEnd: Date?
    var priceID: String?

    /// Stripe's final statuses: nothing brings such a subscription back.
    var isTerminal: Bool { SubscriptionView.terminalStatuses.contains(status) }

    init(_ view: SubscriptionView) {
        id = view.id
        customerID = view.customerID
        status = view.status
        cancelAtPeriodEnd = view.cancelAtPeriodEnd
        currentPeriodStart = view.currentPeriodStart
        currentPeriodEnd = view.currentPeriodEnd
        priceID = view.priceID
    }

    /// Reads a subscription from Stripe.
    /// - Throws: `AppError` for Stripe's failures (see `StripeError.appError`).
    static func retrieve(_ id: String, from stripe: any StripeAPI) async throws -> SubscriptionFacts {
        do throws(StripeError) {
            return SubscriptionFacts(try await stripe.retrieveSubscription(id: id))
        } catch {
            throw error.appError
        }
    }

    init(_ stored: BillingSubscription) {
        id = stored.subscriptionID
        customerID = stored.customerID
        status = stored.status
        cancelAtPeriodEnd = stored.cancelAtPeriodEnd
        currentPeriodStart = stored.currentPeriodStart
        currentPeriodEnd = stored.currentPeriodEnd
        priceID = stored.priceID
    }

    init(_ subscription: StripeSubscription) {
        id = subscription.id
        customerID = subscription.customerID
        status = subscription.status
        cancelAtPeriodEnd = subscription.cancelAtPeriodEnd
        currentPeriodStart = subscription.currentPeriodStart
        currentPeriodEnd = subscription.currentPeriodEnd
        priceID = subscription.priceID
    }
}
