import Foundation

/// A usage period: the half-open interval [``start``, ``end``) in which a user's feature uses are
/// counted against their plan's limits (`API.md` § Billing).
///
/// - A user without an active paid subscription (the free plan) has the UTC calendar month that
///   contains `now`: from the first day 00:00:00 UTC to the first day of the next month 00:00:00 UTC
///   (``calendarMonth(containing:)``).
/// - A user with one has the subscription's `current_period_start` ..< `current_period_end`
///   (``current(at:subscriptionPeriod:interval:)``). Deciding which subscription statuses count as
///   "active paid" is the caller's policy.
///
/// All dates are absolute instants; the process time zone never matters.
public struct BillingPeriod: Sendable, Hashable, CustomStringConvertible {
    /// First instant of the period (inclusive).
    public let start: Date
    /// First instant after the period (exclusive): the next period's start and the `periodEnd`
    /// the API reports.
    public let end: Date

    /// Creates a period, or `nil` unless `start < end` (Stripe fixtures and hand-edited events
    /// can carry nonsense periods; a caller then falls back to the calendar month).
    public init?(start: Date, end: Date) {
        guard start < end else { return nil }
        self.start = start
        self.end = end
    }

    /// Creates a period from Unix timestamps in seconds (Stripe's `current_period_start/end`),
    /// or `nil` unless `start < end`.
    public init?(unixStart: Int, unixEnd: Int) {
        self.init(start: Date(timeIntervalSince1970: TimeInterval(unixStart)), end: Date(timeIntervalSince1970: TimeInterval(unixEnd)))
    }

    /// Whether `date` lies in [start, end).
    public func contains(_ date: Date) -> Bool {
        start <= date && date < end
    }

    /// `[start, end)` in ISO 8601, for logs and test messages.
    public var description: String {
        "[\(start.formatted(.iso8601)), \(end.formatted(.iso8601)))"
    }

    /// The UTC calendar month containing `now`: [first day 00:00 UTC, first day of the next month
    /// 00:00 UTC). The usage period of users without an active paid subscription.
    public static func calendarMonth(containing now: Date) -> BillingPeriod {
        let day = CivilDay(containing: now)
        let start = utcDate(year: day.year, month: day.month, day: 1, secondOfDay: 0)
        let end = day.month == 12
            ? utcDate(year: day.year + 1, month: 1, day: 1, secondOfDay: 0)
            : utcDate(year: day.year, month: day.month + 1, day: 1, secondOfDay: 0)
        return BillingPeriod(uncheckedStart: start, end: end)
    }

    /// The usage period at `now`.
    ///
    /// - Parameters:
    ///   - now: the instant of the use being counted.
    ///   - subscriptionPeriod: the active paid subscription's `current_period_start..end` as last
    ///     received from Stripe, or `nil` for users on the free plan.
    ///   - interval: the subscription plan's billing interval, used only when the stored period
    ///     has already ended.
    /// - Returns:
    ///   - no subscription: ``calendarMonth(containing:)``;
    ///   - `now < subscriptionPeriod.end`: the subscription period, even if `now` is slightly
    ///     before its start (clock skew between Stripe and us), so usage is never counted in a
    ///     calendar month while a subscription is active;
    ///   - `now >= end`: Stripe has renewed the subscription but its event has not been applied
    ///     yet. Periods abut, so the next one starts exactly at `end`; its end is estimated the
    ///     way Stripe advances a billing cycle anchor: `interval` months later, on the anchor
    ///     day clamped to the month's last day (Jan 31 -> Feb 29 in 2028 -> Mar 31), at the
    ///     anchor's time of day. The anchor day is the later day-of-month of start and end, which
    ///     is exact for monthly periods (no two consecutive months are both short). Repeated until
    ///     the period contains `now`. When the renewal event arrives, its period replaces this
    ///     estimate; the start is the same, so usage already counted stays in the right period.
    public static func current(at now: Date, subscriptionPeriod: BillingPeriod?, interval: Plan.Interval = .month) -> BillingPeriod {
        guard let period = subscriptionPeriod else {
            return calendarMonth(containing: now)
        }
        guard now >= period.end else {
            return period
        }
        let startDay = CivilDay(containing: period.start)
        let endDay = CivilDay(containing: period.end)
        let anchorDay = max(startDay.day, endDay.day)
        let baseMonthIndex = endDay.year * 12 + (endDay.month - 1)

        var start = period.end
        var step = 1
        while true {
            let monthIndex = baseMonthIndex + step * interval.months
            let year = monthIndex / 12
            let month = monthIndex % 12 + 1
            let day = min(anchorDay, daysIn(year: year, month: month))
            let end = utcDate(year: year, month: month, day: day, secondOfDay: endDay.secondOfDay)
            if now < end, let next = BillingPeriod(start: start, end: end) {
                return next
            }
            start = end
            step += 1
        }
    }

    /// A period whose order the caller has already ensured (a calendar month is never empty).
    private init(uncheckedStart start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// Midnight UTC of a day plus `secondOfDay` seconds. Plain arithmetic on the Unix epoch rather
    /// than `Calendar`: the rules are fixed (UTC, proleptic Gregorian), need no ICU data, and
    /// `Calendar.date(from:)` would add optionals that can never be `nil` here.
    static func utcDate(year: Int, month: Int, day: Int, secondOfDay: Int) -> Date {
        let days = daysFromEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + secondOfDay))
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
    /// `days_from_civil`, exact for all years).
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// A UTC date split into its calendar parts.
    struct CivilDay {
        var year: Int
        var month: Int
        var day: Int
        /// Whole seconds since that day's 00:00 UTC (sub-second parts dropped).
        var secondOfDay: Int

        /// The UTC calendar day containing `date` (Howard Hinnant's `civil_from_days`).
        init(containing date: Date) {
            // Clamped to about ±31 million years so that a corrupt date cannot trap the Int conversion.
            let interval = date.timeIntervalSince1970
            let seconds = interval.isFinite ? Int(min(max(interval, -1e15), 1e15).rounded(.down)) : 0
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            secondOfDay = seconds - days * 86_400
            let z = days + 719_468
            let era = (z >= 0 ? z : z - 146_096) / 146_097
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthFromMarch = (5 * dayOfYear + 2) / 153
            day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
            month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
            year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        }
    }

    /// Days in a Gregorian month (February has 29 in years divisible by 4, except centuries not
    /// divisible by 400).
    static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}
