import Foundation

extension Date {
    /// Microseconds since 1970: exact on both databases, used as a sort key.
    /// Dates beyond Int64's range (year ±292,000; only a malformed input can hold one) clamp
    /// rather than trap.
    var microsecondsSince1970: Int64 {
        let value = (timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return 0 }
        return value >= 9.2e18 ? .max : (value <= -9.2e18 ? .min : Int64(value))
    }

    /// This instant without sub-second digits, as the contract's RFC 3339 timestamps show.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}

extension Duration {
    /// This duration in seconds, fractions included (for comparing with `Date` intervals).
    var seconds: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// This duration in whole nanoseconds (what `CoreMetrics.Timer` records), saturating at
    /// `Int64.max` (292 years).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ attoseconds / 1_000_000_000
    }
}
