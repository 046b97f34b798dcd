import JSONTree
import Foundation
import Testing
@testable import BillingCore

@Suite struct SubscriptionTests {
    private let userID = UUID(uuidString: "3f1c2a5e-8b7d-4e2f-9a61-0c5d7e8f9a10")

    @Test func oldShapeHasTopLevelPeriod() throws {
        let subscription = try Subscription(event: Fixture.event("customer.subscription.updated__2024-06-20"))
        #expect(subscription.id == "sub_1QcHk1HbTest0000Subscr01")
        #expect(subscription.customerID == "cus_RHirebaseTest01")
        #expect(subscription.status == .active)
        #expect(subscription.cancelAtPeriodEnd)
        #expect(subscription.cancelAt == .utc("2026-02-05T12:59:00Z"))
        #expect(subscription.canceledAt == Date(timeIntervalSince1970: 1_768_000_000))
        #expect(subscription.currentPeriodStart == .utc("2026-01-05T12:59:00Z"))
        #expect(subscription.currentPeriodEnd == .utc("2026-02-05T12:59:00Z"))
        #expect(subscription.currentPeriod?.description == "[2026-01-05T12:59:00Z, 2026-02-05T12:59:00Z)")
        #expect(subscription.priceID == "price_pro_monthly")
        #expect(subscription.userID == userID)
        #expect(subscription.created == .utc("2026-01-05T12:59:00Z"))
        #expect(!subscription.status.isTerminal)
    }

    /// A period end no RFC 3339 timestamp can write (year 318857) counts as no period, so it
    /// never reaches a response; 9999-12-31T23:59:59Z is the last one kept.
    @Test func periodsBeyondYear9999AreAbsent() throws {
        func subscription(start: Int, end: Int) throws -> Subscription {
            try Subscription(object: .object(["id": .string("sub_1"), "object": .string("subscription"), "status": .string("active"),
                                              "current_period_start": .number(Decimal(start)), "current_period_end": .number(Decimal(end))]))
        }
        let absurd = try subscription(start: 10_000_000_000_000, end: 10_000_000_000_100)
        #expect(absurd.currentPeriodStart == nil && absurd.currentPeriodEnd == nil)
        #expect(try subscription(start: 0, end: 253_402_300_800).currentPeriodEnd == nil)
        #expect(try subscription(start: 0, end: 253_402_300_799).currentPeriodEnd == .utc("9999-12-31T23:59:59Z"))
    }

    @Test func basilShapeHasThePeriodOnTheItem() throws {
        let subscription = try Subscription(event: Fixture.event("customer.subscription.created__2025-03-31.basil"))
        #expect(subscription.id == "sub_1RbHk1HbTest0000Subscr02")
        #expect(subscription.currentPeriodStart == .utc("2026-01-05T12:59:59Z"))
        #expect(subscription.currentPeriodEnd == .utc("2026-02-05T12:59:59Z"))
        #expect(subscription.priceID == "price_business_monthly")
        #expect(!subscription.cancelAtPeriodEnd)
        #expect(subscription.cancelAt == nil)
        #expect(subscription.canceledAt == nil)
        #expect(subscription.userID == userID)
    }

    @Test func basilRenewalWithExpandedCustomer() throws {
        let subscription = try Subscription(event: Fixture.event("customer.subscription.updated__2025-03-31.basil"))
        #expect(subscription.customerID == "cus_RHirebaseTest02")
        #expect(subscription.status == .pastDue)
        #expect(subscription.currentPeriod?.description == "[2026-02-05T12:59:59Z, 2026-03-05T12:59:59Z)")
    }

    @Test func oldAPIWithOnlyPlanIDs() throws {
        let subscription = try Subscription(event: Fixture.event("customer.subscription.deleted__2017-04-06"))
        #expect(subscription.status == .canceled)
        #expect(subscription.status.isTerminal)
        #expect(subscription.priceID == "pro-monthly-2017") // items.data[0].plan.id
        #expect(subscription.metadata.isEmpty)
        #expect(subscription.userID == nil)
        #expect(subscription.currentPeriod != nil)
    }

    @Test func topLevelPeriodWinsOverTheItems() {
        let object = JSONValue.object([
            "id": .string("sub_1"), "object": .string("subscription"), "status": .string("active"),
            "current_period_start": .number(100), "current_period_end": .number(200),
            "items": .object(["data": .array([.object(["current_period_start": .number(300), "current_period_end": .number(400)])])]),
        ])
        let subscription = try? Subscription(object: object)
        #expect(subscription?.currentPeriod == BillingPeriod(unixStart: 100, unixEnd: 200))
    }

    @Test func halfATopLevelPeriodIsNotMixedWithTheItems() {
        let object = JSONValue.object([
            "id": .string("sub_1"), "status": .string("active"), "current_period_start": .number(100),
            "items": .object(["data": .array([.object(["current_period_start": .number(300), "current_period_end": .number(400)])])]),
        ])
        let subscription = try? Subscription(object: object)
        #expect(subscription?.currentPeriod == BillingPeriod(unixStart: 300, unixEnd: 400))
    }

    @Test func payRailsMixedCapture() throws {
        // Hand-edited by pay's maintainers: basil item periods, a top-level `price`, status canceled.
        let subscription = try Subscription(object: Fixture.publicDataObject("pay-rails_event-data__customer.subscription.updated"))
        #expect(subscription.id == "sub_00000000000000")
        #expect(subscription.customerID == "cus_00000000000000")
        #expect(subscription.status == .canceled)
        #expect(subscription.currentPeriodStart == Date(timeIntervalSince1970: 1_486_568_724))
        #expect(subscription.currentPeriodEnd == Date(timeIntervalSince1970: 1_488_987_924))
        #expect(subscription.priceID == "FFBEGINNER_00000000000000")
        #expect(subscription.canceledAt == Date(timeIntervalSince1970: 1_487_872_069))
    }

    @Test func stripeOpenAPIObject() throws {
        let subscription = try Subscription(object: Fixture.publicJSON("stripe-openapi_fixtures3_object__subscription"))
        #expect(subscription.id == "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw")
        #expect(subscription.priceID == "price_1PgafmB7WZ01zgkW6dKueIc5")
        #expect(subscription.cancelAtPeriodEnd)
        // Its item period is generated nonsense (start after end): read, but no usable period.
        #expect(subscription.currentPeriodStart != nil)
        #expect(subscription.currentPeriod == nil)
    }

    @Test func legacySampleWithoutIDIsRefused() throws {
        // Stripe's 2012 "send test webhook" samples have no subscription id, so they cannot be applied.
        let event = try StripeEvent(json: Fixture.publicJSON("stripe-java_legacy-webhook-events_event__customer.subscription.updated"))
        #expect(throws: StripeEventError.missingField("id")) { try Subscription(event: event) }
    }

    @Test func statusIsRequired() {
        #expect(throws: StripeEventError.missingField("status")) {
            try Subscription(object: .object(["id": .string("sub_1"), "object": .string("subscription")]))
        }
    }
}

@Suite struct SubscriptionStatusTests {
    @Test func stripesStatusesRoundTrip() {
        let spelled = ["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]
        for raw in spelled {
            let status = SubscriptionStatus(rawValue: raw)
            #expect(status.rawValue == raw)
            if case .other = status { Issue.record("\(raw) read as unknown") }
        }
    }

    @Test func aStatusStripeAddsLaterStaysReadable() throws {
        let object = JSONValue.object(["id": .string("sub_1"), "object": .string("subscription"), "status": .string("suspended_for_review")])
        let subscription = try Subscription(object: object)
        #expect(subscription.status == .other("suspended_for_review"))
        #expect(subscription.status.rawValue == "suspended_for_review")
        #expect(!subscription.status.isTerminal)
        #expect(!subscription.status.isPaying)
    }

    @Test func onlyCanceledAndIncompleteExpiredAreTerminal() {
        let terminal = ["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]
            .filter { SubscriptionStatus(rawValue: $0).isTerminal }
        #expect(terminal == ["incomplete_expired", "canceled"])
    }

    @Test func onlyActiveAndTrialingPay() {
        let paying = ["incomplete", "incomplete_expired", "trialing", "active", "past_due", "canceled", "unpaid", "paused"]
            .filter { SubscriptionStatus(rawValue: $0).isPaying }
        #expect(paying == ["trialing", "active"])
    }

    @Test func anEndedSubscriptionDoesNotEndAtPeriodEnd() {
        // Stripe keeps `cancel_at_period_end: true` on a subscription that ended at its period end.
        var subscription = Subscription(id: "sub_1", customerID: "cus_1", status: .active, cancelAtPeriodEnd: true)
        #expect(subscription.endsAtPeriodEnd)
        subscription.status = .canceled
        #expect(!subscription.endsAtPeriodEnd)
    }
}
