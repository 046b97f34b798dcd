import Foundation
import Testing
@testable import BillingCore

@Suite struct BillingPeriodTests {
    private func month(_ now: String) -> (String, String) {
        let period = BillingPeriod.calendarMonth(containing: .utc(now))
        return (period.start.formatted(.iso8601), period.end.formatted(.iso8601))
    }

    // MARK: Calendar month (free plan)

    @Test(arguments: [
        ("2026-01-15T10:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2026-01-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"),
        ("2028-02-29T12:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"),
        ("2027-02-28T23:59:59Z", "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"),
        ("2000-02-29T00:00:00Z", "2000-02-01T00:00:00Z", "2000-03-01T00:00:00Z"),
        ("2100-02-28T23:59:59Z", "2100-02-01T00:00:00Z", "2100-03-01T00:00:00Z"),
        ("1969-12-31T23:59:59Z", "1969-12-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("2026-04-30T23:59:59Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"),
    ])
    func calendarMonthContainingNow(now: String, start: String, end: String) {
        #expect(month(now) == (start, end))
    }

    @Test func calendarMonthLengthsFollowLeapYears() {
        func days(_ now: String) -> Double {
            let period = BillingPeriod.calendarMonth(containing: .utc(now))
            return period.end.timeIntervalSince(period.start) / 86_400
        }
        #expect(days("2024-02-10T00:00:00Z") == 29)
        #expect(days("2026-02-10T00:00:00Z") == 28)
        #expect(days("2100-02-10T00:00:00Z") == 28) // century, not divisible by 400
        #expect(days("2000-02-10T00:00:00Z") == 29) // divisible by 400
        #expect(days("2026-07-10T00:00:00Z") == 31)
        #expect(days("2026-09-10T00:00:00Z") == 30)
    }

    @Test func lastSecondBelongsToTheMonthAndTheNextInstantDoesNot() {
        let end = Date.utc("2026-02-01T00:00:00Z")
        let january = BillingPeriod.calendarMonth(containing: end.addingTimeInterval(-0.001))
        #expect(january.contains(end.addingTimeInterval(-0.001)))
        #expect(!january.contains(end))
        #expect(BillingPeriod.calendarMonth(containing: end).start == end)
    }

    @Test func civilDayRoundTripsEveryDayOfFourHundredYears() {
        // The Gregorian calendar repeats every 400 years, so this covers every rule.
        var expectedDays = 0
        for year in 2000..<2400 {
            for month in 1...12 {
                let days = BillingPeriod.daysIn(year: year, month: month)
                for day in [1, days] {
                    let date = BillingPeriod.utcDate(year: year, month: month, day: day, secondOfDay: 86_399)
                    let civil = BillingPeriod.CivilDay(containing: date)
                    #expect(civil.year == year && civil.month == month && civil.day == day && civil.secondOfDay == 86_399)
                }
                expectedDays += days
            }
        }
        #expect(expectedDays == 146_097)
        #expect(BillingPeriod.daysFromEpoch(year: 1970, month: 1, day: 1) == 0)
        #expect(BillingPeriod.daysFromEpoch(year: 2000, month: 3, day: 1) == 11_017)
    }

    @Test func processTimeZoneDoesNotMatter() {
        // Only UTC arithmetic is used; a date near midnight UTC must not move to a local month.
        let now = Date.utc("2026-03-31T23:30:00Z")
        #expect(BillingPeriod.calendarMonth(containing: now).start == .utc("2026-03-01T00:00:00Z"))
    }

    // MARK: Subscription period

    @Test func noSubscriptionMeansCalendarMonth() {
        let now = Date.utc("2026-01-20T08:00:00Z")
        #expect(BillingPeriod.current(at: now, subscriptionPeriod: nil) == BillingPeriod.calendarMonth(containing: now))
    }

    @Test func activeSubscriptionUsesItsPeriod() throws {
        let period = try #require(BillingPeriod(start: .utc("2026-01-05T12:59:00Z"), end: .utc("2026-02-05T12:59:00Z")))
        #expect(BillingPeriod.current(at: .utc("2026-01-05T12:59:00Z"), subscriptionPeriod: period) == period)
        #expect(BillingPeriod.current(at: .utc("2026-02-01T00:00:00Z"), subscriptionPeriod: period) == period)
        #expect(BillingPeriod.current(at: .utc("2026-02-05T12:58:59Z"), subscriptionPeriod: period) == period)
    }

    @Test func slightlyEarlyUseStillCountsInTheSubscriptionPeriod() throws {
        let period = try #require(BillingPeriod(start: .utc("2026-01-05T12:59:00Z"), end: .utc("2026-02-05T12:59:00Z")))
        #expect(BillingPeriod.current(at: .utc("2026-01-05T12:58:58Z"), subscriptionPeriod: period) == period)
    }

    @Test func lapsedPeriodRollsForwardFromItsEnd() throws {
        let period = try #require(BillingPeriod(start: .utc("2026-01-05T12:59:00Z"), end: .utc("2026-02-05T12:59:00Z")))
        let next = BillingPeriod.current(at: .utc("2026-02-05T12:59:00Z"), subscriptionPeriod: period)
        #expect(next.start == .utc("2026-02-05T12:59:00Z"))
        #expect(next.end == .utc("2026-03-05T12:59:00Z"))
        let twoLater = BillingPeriod.current(at: .utc("2026-03-20T00:00:00Z"), subscriptionPeriod: period)
        #expect(twoLater.start == .utc("2026-03-05T12:59:00Z"))
        #expect(twoLater.end == .utc("2026-04-05T12:59:00Z"))
    }

    @Test func rollingKeepsAMonthEndAnchorThroughShortMonths() throws {
        // Anchor on the 31st: Stripe bills on the last day of shorter months and returns to the
        // 31st afterwards (Jan 31 -> Feb 29 in the leap year 2028 -> Mar 31 -> Apr 30 -> May 31).
        let january = try #require(BillingPeriod(start: .utc("2027-12-31T09:00:00Z"), end: .utc("2028-01-31T09:00:00Z")))
        var now = Date.utc("2028-02-10T00:00:00Z")
        var period = BillingPeriod.current(at: now, subscriptionPeriod: january)
        #expect(period.description == "[2028-01-31T09:00:00Z, 2028-02-29T09:00:00Z)")
        now = .utc("2028-03-10T00:00:00Z")
        period = BillingPeriod.current(at: now, subscriptionPeriod: period)
        #expect(period.description == "[2028-02-29T09:00:00Z, 2028-03-31T09:00:00Z)")
        now = .utc("2028-04-30T08:59:59Z")
        period = BillingPeriod.current(at: now, subscriptionPeriod: period)
        #expect(period.description == "[2028-03-31T09:00:00Z, 2028-04-30T09:00:00Z)")
        now = .utc("2028-05-01T00:00:00Z")
        period = BillingPeriod.current(at: now, subscriptionPeriod: period)
        #expect(period.description == "[2028-04-30T09:00:00Z, 2028-05-31T09:00:00Z)")
    }

    @Test func nonLeapFebruaryClampsToThe28th() throws {
        let january = try #require(BillingPeriod(start: .utc("2026-12-30T00:00:00Z"), end: .utc("2027-01-30T00:00:00Z")))
        let february = BillingPeriod.current(at: .utc("2027-02-01T00:00:00Z"), subscriptionPeriod: january)
        #expect(february.end == .utc("2027-02-28T00:00:00Z"))
        let march = BillingPeriod.current(at: .utc("2027-03-01T00:00:00Z"), subscriptionPeriod: february)
        #expect(march.end == .utc("2027-03-30T00:00:00Z"))
    }

    @Test func yearlyPeriodRollsAcrossLeapDay() throws {
        let year = try #require(BillingPeriod(start: .utc("2027-02-28T10:00:00Z"), end: .utc("2028-02-28T10:00:00Z")))
        let next = BillingPeriod.current(at: .utc("2028-06-01T00:00:00Z"), subscriptionPeriod: year, interval: .year)
        #expect(next.description == "[2028-02-28T10:00:00Z, 2029-02-28T10:00:00Z)")
        let fromLeapDay = try #require(BillingPeriod(start: .utc("2027-02-28T10:00:00Z"), end: .utc("2028-02-29T10:00:00Z")))
        let afterLeapDay = BillingPeriod.current(at: .utc("2028-03-01T00:00:00Z"), subscriptionPeriod: fromLeapDay, interval: .year)
        #expect(afterLeapDay.end == .utc("2029-02-28T10:00:00Z"))
    }

    @Test func emptyOrReversedPeriodsAreRefused() {
        let now = Date.utc("2026-01-01T00:00:00Z")
        #expect(BillingPeriod(start: now, end: now) == nil)
        #expect(BillingPeriod(start: now, end: now.addingTimeInterval(-1)) == nil)
        #expect(BillingPeriod(unixStart: 1_896_570_518, unixEnd: 976_287_773) == nil) // stripe-openapi's fixture
        #expect(BillingPeriod(unixStart: 0, unixEnd: 1)?.end == Date(timeIntervalSince1970: 1))
    }
}
