/// One plan of the plans file: its Stripe price, its price, and its per-period feature limits.
///
/// Built by ``PlanCatalog``, which checks every field (see ``PlanCatalog`` for the file format).
public struct Plan: Sendable, Hashable {
    /// How often a paid plan is billed, and so how long its usage period is.
    public enum Interval: String, Sendable, Hashable, CaseIterable {
        /// Monthly billing (Stripe `recurring.interval` `month`).
        case month
        /// Yearly billing (Stripe `recurring.interval` `year`).
        case year

        /// Length of one interval in calendar months (1 or 12).
        public var months: Int {
            switch self {
            case .month: 1
            case .year: 12
            }
        }
    }

    /// The plan's name as the API shows it (`"free"`, `"pro"`, `"business"`): lower-case ASCII
    /// letters, digits, `-` and `_`.
    public let name: String
    /// The Stripe price id (`price_...`) that a checkout for this plan uses; `nil` only for the
    /// free plan, which is not sold.
    public let priceID: String?
    /// The price per ``interval`` in the currency's minor units (cents for `usd`); 0 for free.
    public let amount: Int
    /// ISO 4217 currency code in lower case, as Stripe writes it (`"usd"`).
    public let currency: String
    /// The billing interval.
    public let interval: Interval
    /// Uses allowed per period for features with a finite limit. A feature absent here is
    /// unlimited (written `null` in the file); use ``limit(for:)`` rather than reading this.
    public let limits: [PlanFeature: Int]

    /// Creates a plan. ``PlanCatalog`` checks plans read from a file; this initializer does not.
    /// - Parameter limits: finite limits (>= 0); features left out are unlimited.
    public init(name: String, priceID: String?, amount: Int, currency: String, interval: Interval, limits: [PlanFeature: Int]) {
        self.name = name
        self.priceID = priceID
        self.amount = amount
        self.currency = currency
        self.interval = interval
        self.limits = limits
    }

    /// Uses of `feature` allowed per period, or `nil` when unlimited.
    public func limit(for feature: PlanFeature) -> Int? {
        limits[feature]
    }

    /// Whether this is the fallback plan of users without a paid subscription (no price id).
    public var isFree: Bool {
        priceID == nil
    }
}
