import Foundation
import Testing
@testable import BillingCore

/// `PlanStanding`: which limits apply, in which period, and what the status reports.
@Suite struct PlanStandingTests {
    private let plans = try! PlanCatalog.loadDefault()
    private let now = Date.utc("2026-01-20T10:00:00Z")

    private func record(_ status: SubscriptionStatus, cancelAtPeriodEnd: Bool = false) -> SubscriptionRecord {
        let subscription = Subscription(
            id: "sub_1", customerID: "cus_1", status: status, cancelAtPeriodEnd: cancelAtPeriodEnd,
            currentPeriodStart: .utc("2026-01-05T12:00:00Z"), currentPeriodEnd: .utc("2026-02-05T12:00:00Z"), priceID: "price_pro_monthly")
        return SubscriptionRecord(subscription: subscription, plan: "pro", watermark: StripeWatermark(created: 1))
    }

    @Test func withoutASubscriptionTheFreePlanAndTheCalendarMonth() {
        let standing = PlanStanding(record: nil, plans: plans, at: now)
        #expect(standing.plan.name == "free")
        #expect(standing.planName == "free")
        #expect(standing.status == "free")
        #expect(standing.period == BillingPeriod.calendarMonth(containing: now))
        #expect(standing.currentPeriodEnd == nil)
        #expect(!standing.cancelAtPeriodEnd)
    }

    @Test func aPayingSubscriptionGivesItsPlanInItsPeriod() {
        let standing = PlanStanding(record: record(.active, cancelAtPeriodEnd: true), plans: plans, at: now)
        #expect(standing.plan.name == "pro")
        #expect(standing.planName == "pro")
        #expect(standing.status == "active")
        #expect(standing.period.description == "[2026-01-05T12:00:00Z, 2026-02-05T12:00:00Z)")
        #expect(standing.cancelAtPeriodEnd)
    }

    @Test func aSuspendedSubscriptionShowsItsPlanWithTheFreeLimits() {
        let standing = PlanStanding(record: record(.pastDue), plans: plans, at: now)
        #expect(standing.plan.name == "free")
        #expect(standing.planName == "pro")
        #expect(standing.status == "past_due")
        #expect(standing.period == BillingPeriod.calendarMonth(containing: now))
    }

    /// The defect of issue 8: an ended subscription was reported as `pro`, cancelling at period end.
    @Test func anEndedSubscriptionReportsTheFreePlanAndNoCancellationAhead() {
        for status in [SubscriptionStatus.canceled, .incompleteExpired] {
            let standing = PlanStanding(record: record(status, cancelAtPeriodEnd: true), plans: plans, at: now)
            #expect(standing.plan.name == "free")
            #expect(standing.planName == "free")
            #expect(standing.status == status.rawValue)
            #expect(!standing.cancelAtPeriodEnd)
            #expect(standing.currentPeriodEnd == .utc("2026-02-05T12:00:00Z"))
        }
    }
}
