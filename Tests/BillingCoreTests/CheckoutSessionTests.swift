import Foundation
import Testing
@testable import BillingCore

@Suite struct CheckoutSessionTests {
    private let userIDText = "3f1c2a5e-8b7d-4e2f-9a61-0c5d7e8f9a10"
    private let userID = UUID(uuidString: "3f1c2a5e-8b7d-4e2f-9a61-0c5d7e8f9a10")

    @Test func oldShapeWithIDStrings() throws {
        let session = try CheckoutSession(event: Fixture.event("checkout.session.completed__2024-06-20"))
        #expect(session.id == "cs_test_a1Hirebase0000000000000000000000000000000000000000001")
        #expect(session.mode == "subscription")
        #expect(session.status == "complete")
        #expect(session.paymentStatus == "paid")
        #expect(session.customerID == "cus_RHirebaseTest01")
        #expect(session.subscriptionID == "sub_1QcHk1HbTest0000Subscr01")
        #expect(session.clientReferenceID == userIDText)
        #expect(session.ownerID == userID)
        #expect(session.userID == userID)
        #expect(session.metadata["plan"] == "pro")
        #expect(session.amountTotal == 4900)
        #expect(session.currency == "usd")
        #expect(session.priceID == nil) // webhooks carry no line_items
    }

    @Test func basilShapeWithExpandedObjectsAndLineItems() throws {
        let session = try CheckoutSession(event: Fixture.event("checkout.session.completed__2025-03-31.basil"))
        #expect(session.customerID == "cus_RHirebaseTest02")
        #expect(session.subscriptionID == "sub_1RbHk1HbTest0000Subscr02")
        #expect(session.priceID == "price_business_monthly")
        #expect(session.amountTotal == 19900)
        #expect(session.userID == userID)
    }

    @Test func payRailsCapture() throws {
        let session = try CheckoutSession(object: Fixture.publicDataObject("pay-rails_event-data__checkout.session.completed"))
        #expect(session.id == "cs_test_a1UejXx8ebIdTzFolicVypUAZpOBVkoQKDbaarXoPlPVtj8p0zujPEEhjT")
        #expect(session.customerID == "cus_M5wW9RPFk9xNZ5")
        #expect(session.subscriptionID == "sub_1LNkeSKXBGcbgpbZ7jMqOPSi")
        #expect(session.clientReferenceID == nil)
        #expect(session.userID == nil)
        #expect(session.metadata.isEmpty)
        #expect(session.amountTotal == 1900)
        #expect(session.paymentStatus == "paid")
    }

    @Test func stripeOpenAPIObjectWithNulls() throws {
        let session = try CheckoutSession(object: Fixture.publicJSON("stripe-openapi_fixtures3_object__checkout.session"))
        #expect(session.mode == "payment")
        #expect(session.status == "open")
        #expect(session.paymentStatus == "unpaid")
        #expect(session.customerID == nil)
        #expect(session.subscriptionID == nil)
        #expect(session.amountTotal == nil)
        #expect(session.currency == nil)
    }

    @Test func otherObjectsAreRefused() throws {
        #expect(throws: StripeEventError.unexpectedObject(expected: "checkout.session", found: "invoice")) {
            try CheckoutSession(event: Fixture.event("invoice.paid__2024-06-20"))
        }
        #expect(throws: StripeEventError.missingField("id")) {
            try CheckoutSession(object: .object(["object": .string("checkout.session")]))
        }
        #expect(throws: StripeEventError.wrongType(field: "data.object", expected: "object")) {
            try CheckoutSession(object: .string("cs_1"))
        }
    }
}

@Suite struct CheckoutSessionRulesTests {
    @Test func ownerIsTheClientReferenceElseTheMetadata() {
        let user = UUID()
        let other = UUID()
        let both = CheckoutSession(id: "cs_1", clientReferenceID: user.uuidString.lowercased(), metadata: ["user_id": other.uuidString])
        #expect(both.ownerID == user)
        let notAUUID = CheckoutSession(id: "cs_1", clientReferenceID: "order-17", metadata: ["user_id": other.uuidString])
        #expect(notAUUID.ownerID == other)
        #expect(CheckoutSession(id: "cs_1").ownerID == nil)
    }

    @Test func aPurchaseIsACompletedSettledSubscriptionSession() {
        func session(_ mode: String?, _ status: String?, _ payment: String?) -> CheckoutSession {
            CheckoutSession(id: "cs_1", mode: mode, status: status, paymentStatus: payment)
        }
        #expect(session("subscription", "complete", "paid").isCompletedSubscriptionPurchase)
        #expect(session("subscription", "complete", "no_payment_required").isCompletedSubscriptionPurchase)
        #expect(!session("subscription", "complete", "unpaid").isCompletedSubscriptionPurchase)
        #expect(!session("subscription", "open", "paid").isCompletedSubscriptionPurchase)
        #expect(!session("payment", "complete", "paid").isCompletedSubscriptionPurchase)
        #expect(!session(nil, nil, nil).isCompletedSubscriptionPurchase)
    }
}
