import JSONTree
import Foundation
import Testing
@testable import BillingCore

@Suite struct InvoiceViewTests {
    private let userID = "3f1c2a5e-8b7d-4e2f-9a61-0c5d7e8f9a10"

    @Test func oldShapeHasTopLevelSubscription() throws {
        let invoice = try InvoiceView(event: Fixture.event("invoice.paid__2024-06-20"))
        #expect(invoice.id == "in_1QeHk8HbTest0000Invoice04")
        #expect(invoice.customerID == "cus_RHirebaseTest01")
        #expect(invoice.subscriptionID == "sub_1QcHk1HbTest0000Subscr01")
        #expect(invoice.status == "paid")
        #expect(invoice.billingReason == "subscription_cycle")
        // The subscription line, not the proration line before it, nor the invoice's own period.
        #expect(invoice.linePeriod?.description == "[2026-02-05T12:59:00Z, 2026-03-05T12:59:00Z)")
        #expect(invoice.linePriceID == "price_pro_monthly")
        #expect(invoice.metadata.isEmpty)
        #expect(invoice.subscriptionMetadata["user_id"] == userID)
        #expect(invoice.userID == userID)
        #expect(invoice.amountPaid == 4900)
        #expect(invoice.currency == "usd")
    }

    @Test func basilShapeHasTheSubscriptionUnderParent() throws {
        let invoice = try InvoiceView(event: Fixture.event("invoice.paid__2025-03-31.basil"))
        #expect(invoice.subscriptionID == "sub_1RbHk1HbTest0000Subscr02")
        #expect(invoice.billingReason == "subscription_create")
        #expect(invoice.linePeriod?.description == "[2026-01-05T12:59:59Z, 2026-02-05T12:59:59Z)")
        #expect(invoice.linePriceID == "price_business_monthly")
        #expect(invoice.userID == userID)
    }

    @Test func basilShapeWithExpandedSubscriptionAndCustomer() throws {
        let invoice = try InvoiceView(event: Fixture.event("invoice.payment_failed__2025-03-31.basil"))
        #expect(invoice.subscriptionID == "sub_1RbHk1HbTest0000Subscr02")
        #expect(invoice.customerID == "cus_RHirebaseTest02")
        #expect(invoice.status == "open")
        #expect(invoice.amountPaid == 0)
        #expect(invoice.amountDue == 19900)
        #expect(invoice.linePeriod?.description == "[2026-02-05T12:59:59Z, 2026-03-05T12:59:59Z)")
    }

    @Test func payRailsBasilCapture() throws {
        let invoice = try InvoiceView(object: Fixture.publicDataObject("pay-rails_event-data__invoice.payment_failed"))
        #expect(invoice.id == "in_1234")
        #expect(invoice.subscriptionID == "sub_1234")
        #expect(invoice.customerID == "cus_1234")
        #expect(invoice.status == "open")
        #expect(invoice.billingReason == "subscription_cycle")
        #expect(invoice.linePeriod == BillingPeriod(unixStart: 1_745_433_906, unixEnd: 1_776_969_906))
        #expect(invoice.linePriceID == "price_1234")
        #expect(invoice.subscriptionMetadata == ["license_id": "0"])
        #expect(invoice.userID == nil)
    }

    @Test func stripeOpenAPIObject() throws {
        let invoice = try InvoiceView(object: Fixture.publicJSON("stripe-openapi_fixtures3_object__invoice"))
        #expect(invoice.id == "in_1Pgc6tB7WZ01zgkWu9fdqL6I")
        #expect(invoice.status == "draft")
        #expect(invoice.billingReason == "manual")
        // Top-level `subscription` is null, so the basil location is used.
        #expect(invoice.subscriptionID == "subscription")
        #expect(invoice.subscriptionMetadata.isEmpty)
    }

    @Test func legacySampleListsSubscriptionLinesSeparately() throws {
        let event = try StripeEvent(json: Fixture.publicJSON("stripe-java_legacy-webhook-events_event__invoice.payment_succeeded"))
        let invoice = try InvoiceView(event: event)
        #expect(invoice.id == "in_00000000000000")
        #expect(invoice.status == nil)
        #expect(invoice.subscriptionID == nil)
        #expect(invoice.linePeriod == BillingPeriod(unixStart: 1_361_042_541, unixEnd: 1_392_578_541))
        #expect(invoice.linePriceID == "FR011")
    }

    @Test func expandedTopLevelSubscription() throws {
        let object = JSONValue.object([
            "id": .string("in_1"), "object": .string("invoice"),
            "subscription": .object(["id": .string("sub_9"), "object": .string("subscription")]),
        ])
        #expect(try InvoiceView(object: object).subscriptionID == "sub_9")
    }

    @Test func invoiceMetadataUserWinsOverSubscriptionSnapshot() throws {
        let object = JSONValue.object([
            "id": .string("in_1"), "metadata": .object(["user_id": .string("a")]),
            "parent": .object(["subscription_details": .object(["metadata": .object(["user_id": .string("b")])])]),
        ])
        #expect(try InvoiceView(object: object).userID == "a")
    }

    @Test func otherObjectsAreRefused() throws {
        #expect(throws: StripeEventError.unexpectedObject(expected: "invoice", found: "subscription")) {
            try InvoiceView(event: Fixture.event("customer.subscription.created__2025-03-31.basil"))
        }
    }
}
