import BillingCore
import Foundation
import Testing

@testable import HirebaseApp

/// An API answer read as `LiveStripeClient` reads it (BillingCore's reader of the object).
private func decode<T: StripeObject>(_ type: T.Type, _ json: String) throws -> T {
    try T(json: Data(json.utf8))
}

@Suite("Stripe objects and error objects decode from Stripe's JSON")
struct StripeObjectDecodingTests {
    /// API 2025-03-31.basil and later: the period is on the subscription item.
    @Test func subscriptionPeriodIsReadFromItems() throws {
        let subscription = try decode(Subscription.self, """
            {"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active",
             "cancel_at_period_end": true, "cancel_at": 1769904000, "canceled_at": null, "created": 1767225600,
             "metadata": {"user_id": "6F1C5B0E-6E57-4C1B-9D55-3A2F3C1E9B10"},
             "items": {"object": "list", "data": [{"id": "si_1", "object": "subscription_item",
                "price": {"id": "price_pro_monthly", "object": "price"},
                "current_period_start": 1767225600, "current_period_end": 1769904000}]}}
            """)

        #expect(subscription.id == "sub_1")
        #expect(subscription.customerID == "cus_1")
        #expect(subscription.status == .active)
        #expect(subscription.cancelAtPeriodEnd)
        #expect(subscription.currentPeriodStart == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(subscription.currentPeriodEnd == Date(timeIntervalSince1970: 1_769_904_000))
        #expect(subscription.cancelAt == Date(timeIntervalSince1970: 1_769_904_000))
        #expect(subscription.canceledAt == nil)
        #expect(subscription.priceID == "price_pro_monthly")
        #expect(subscription.userID == UUID(uuidString: "6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10"))
    }

    /// API versions before 2025-03-31 (webhook endpoints still on them send this shape).
    @Test func subscriptionPeriodIsReadFromTheTopLevel() throws {
        let subscription = try decode(Subscription.self, """
            {"id": "sub_2", "customer": "cus_2", "status": "past_due", "cancel_at_period_end": false,
             "current_period_start": 1700000000, "current_period_end": 1702592000,
             "items": {"object": "list", "data": [{"id": "si_2", "price": {"id": "price_business_monthly"}}]}}
            """)

        #expect(subscription.currentPeriodStart == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(subscription.currentPeriodEnd == Date(timeIntervalSince1970: 1_702_592_000))
        #expect(subscription.priceID == "price_business_monthly")
        #expect(subscription.metadata.isEmpty)
        #expect(subscription.userID == nil)
    }

    @Test func topLevelPeriodWinsOverTheItems() throws {
        let subscription = try decode(Subscription.self, """
            {"id": "sub_3", "customer": "cus_3", "status": "active",
             "current_period_start": 10, "current_period_end": 20,
             "items": {"data": [{"current_period_start": 30, "current_period_end": 40}]}}
            """)

        #expect(subscription.currentPeriodStart == Date(timeIntervalSince1970: 10))
        #expect(subscription.currentPeriodEnd == Date(timeIntervalSince1970: 20))
        #expect(subscription.priceID == nil)
    }

    @Test func expandedCustomerIsReadAsAnObject() throws {
        let subscription = try decode(Subscription.self, """
            {"id": "sub_4", "status": "active", "items": {"data": []},
             "customer": {"id": "cus_4", "object": "customer", "email": "j@example.com", "metadata": {}}}
            """)

        #expect(subscription.customerID == "cus_4")
        #expect(subscription.currentPeriodEnd == nil)
    }

    @Test func checkoutSessionWithExpandedSubscriptionAndLineItems() throws {
        let session = try decode(CheckoutSession.self, """
            {"id": "cs_test_1", "object": "checkout.session", "url": null, "status": "complete",
             "payment_status": "paid", "mode": "subscription", "amount_total": 4900, "currency": "usd",
             "customer": "cus_1", "client_reference_id": "6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10",
             "metadata": {"user_id": "6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10"},
             "subscription": {"id": "sub_1", "customer": "cus_1", "status": "active", "items": {"data": []}},
             "line_items": {"object": "list", "data": [{"id": "li_1", "price": {"id": "price_pro_monthly"}}]}}
            """)

        #expect(session.id == "cs_test_1")
        #expect(session.url == nil)
        #expect(session.status == "complete")
        #expect(session.paymentStatus == "paid")
        #expect(session.mode == "subscription")
        #expect(session.amountTotal == 4900)
        #expect(session.currency == "usd")
        #expect(session.customerID == "cus_1")
        #expect(session.subscriptionID == "sub_1")
        #expect(session.clientReferenceID == "6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10")
        #expect(session.userID == UUID(uuidString: "6f1c5b0e-6e57-4c1b-9d55-3a2f3c1e9b10"))
        #expect(session.priceID == "price_pro_monthly")
    }

    @Test func openCheckoutSessionWithoutLineItems() throws {
        let session = try decode(CheckoutSession.self, """
            {"id": "cs_test_2", "url": "https://checkout.stripe.com/c/pay/cs_test_2", "status": "open",
             "payment_status": "unpaid", "mode": "subscription", "amount_total": null, "currency": null,
             "customer": null, "subscription": null, "metadata": {}}
            """)

        #expect(session.url == "https://checkout.stripe.com/c/pay/cs_test_2")
        #expect(session.amountTotal == nil)
        #expect(session.customerID == nil)
        #expect(session.subscriptionID == nil)
        #expect(session.priceID == nil)
    }

    @Test func errorObjectBecomesInvalidRequest() throws {
        let object = StripeErrorObject.decode(Data("""
            {"error": {"type": "invalid_request_error", "code": "resource_missing",
             "message": "No such price: 'price_x'", "param": "line_items[0][price]",
             "doc_url": "https://stripe.com/docs/error-codes/resource-missing"}}
            """.utf8))

        #expect(StripeErrorObject.stripeError(status: 400, object: object) == .invalidRequest(
            type: "invalid_request_error", code: "resource_missing", message: "No such price: 'price_x'",
            param: "line_items[0][price]"))
    }

    @Test func cardErrorKeepsItsTypeAndDeclineCodeIsRead() throws {
        let object = try #require(StripeErrorObject.decode(Data("""
            {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
             "message": "Your card has insufficient funds."}}
            """.utf8)))

        #expect(object.error.declineCode == "insufficient_funds")
        #expect(StripeErrorObject.stripeError(status: 402, object: object) == .invalidRequest(
            type: "card_error", code: "card_declined", message: "Your card has insufficient funds.", param: nil))
    }

    @Test func statusDecidesTheKind() {
        let missing = StripeErrorObject.decode(Data(#"{"error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such subscription: 'sub_9'"}}"#.utf8))

        #expect(StripeErrorObject.stripeError(status: 404, object: missing) == .notFound("No such subscription: 'sub_9'"))
        #expect(StripeErrorObject.stripeError(status: 429, object: nil) == .rateLimited(retryAfter: nil))
        #expect(StripeErrorObject.stripeError(status: 429, object: nil, retryAfter: 7) == .rateLimited(retryAfter: 7))
        #expect(StripeErrorObject.stripeError(status: 409, object: nil) == .unavailable("Stripe answered 409 (conflict)"))
        #expect(StripeErrorObject.stripeError(status: 503, object: nil) == .unavailable("Stripe answered 503"))
        #expect(StripeErrorObject.stripeError(status: 401, object: nil) == .invalidRequest(
            type: "http_401", code: nil, message: "Stripe answered 401", param: nil))
        #expect(StripeErrorObject.stripeError(status: 302, object: nil) == .unexpectedResponse("Stripe answered 302"))
    }

    @Test func bodyThatIsNotAnErrorObjectDecodesToNothing() {
        #expect(StripeErrorObject.decode(Data("<html>Bad gateway</html>".utf8)) == nil)
        #expect(StripeErrorObject.decode(Data(#"{"message": "x"}"#.utf8)) == nil)
    }
}
