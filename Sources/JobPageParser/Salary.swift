import Foundation

/// Pay as a job posting states it, in the API contract's shape
/// `{"min", "max", "currency", "period"}`: major units (not cents) as decimal numbers, an ISO 4217
/// currency code as the posting gives it, and the period the amounts are paid for.
///
/// Read from schema.org `JobPosting.baseSalary`: a `MonetaryAmount` whose `value` is a
/// `QuantitativeValue` (`minValue`, `maxValue` or `value`, and `unitText`), or a plain number, with
/// the currency from `MonetaryAmount.currency` or else `JobPosting.salaryCurrency`. Amounts given
/// as text are read too: "$4,500.00", "85k", and "$90,000 - $120,000" as a range.
/// A single amount sets `min` and `max` alike; every key is always encoded, `null` when unknown.
public struct Salary: Sendable, Equatable, Codable {
    /// The lowest amount, in major units; nil when only an upper bound is stated.
    public var min: Decimal?
    /// The highest amount, in major units; nil when only a lower bound is stated.
    public var max: Decimal?
    /// ISO 4217 code (`USD`), upper-cased; nil when the posting does not say.
    public var currency: String?
    /// What the amounts are paid for; nil when the posting does not say.
    public var period: Period?

    /// The time unit of a salary, from schema.org `QuantitativeValue.unitText`
    /// (`HOUR`, `DAY`, `WEEK`, `MONTH`, `YEAR`); encoded in lower case as the API contract has it.
    public enum Period: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// Per hour.
        case hour
        /// Per day.
        case day
        /// Per week.
        case week
        /// Per month.
        case month
        /// Per year.
        case year

        /// Reads `unitText` as sites write it (`HOUR`, `Year`, `hourly`, `annual`, `per month`),
        /// or a UN/CEFACT `unitCode` (`HUR`, `DAY`, `WEE`, `MON`, `ANN`). Nil when not recognised.
        public init?(normalizing value: String) {
            var key = String(value.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic })
            if key.hasPrefix("per") { key.removeFirst(3) }
            guard let period = Self.synonyms[key] else { return nil }
            self = period
        }

        private static let synonyms: [String: Period] = [
            "hour": .hour, "hours": .hour, "hourly": .hour, "hr": .hour, "hur": .hour,
            "day": .day, "days": .day, "daily": .day,
            "week": .week, "weeks": .week, "weekly": .week, "wk": .week, "wee": .week,
            "month": .month, "months": .month, "monthly": .month, "mon": .month,
            "year": .year, "years": .year, "yearly": .year, "annual": .year, "annually": .year,
            "annum": .year, "yr": .year, "ann": .year,
        ]
    }

    /// Creates a salary; see the properties for units.
    public init(min: Decimal?, max: Decimal?, currency: String?, period: Period?) {
        self.min = min
        self.max = max
        self.currency = currency
        self.period = period
    }

    private enum CodingKeys: String, CodingKey {
        case min, max, currency, period
    }

    /// Encodes all four keys, `null` for what is unknown, so clients always see the same shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
        try container.encode(currency, forKey: .currency)
        try container.encode(period, forKey: .period)
    }
}
