/// A Stripe subscription's `status` (https://docs.stripe.com/api/subscriptions/object#subscription_object-status),
/// with the rules Hirebase draws from it in one place.
///
/// Stripe's statuses: `incomplete`, `incomplete_expired`, `trialing`, `active`, `past_due`,
/// `canceled`, `unpaid`, `paused`. Stripe adds statuses over time, so a status this code does not
/// know is kept as sent (``other(_:)``) rather than refused: it is stored and shown, and it is
/// neither paying nor terminal (the free plan's limits apply until Stripe says more).
public enum SubscriptionStatus: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// The first payment has not succeeded yet (Stripe gives it 23 hours).
    case incomplete
    /// The first payment never succeeded within 23 hours: the subscription is over.
    case incompleteExpired
    /// In a free trial.
    case trialing
    /// Paid and running.
    case active
    /// The latest renewal payment failed; Stripe is retrying it.
    case pastDue
    /// Ended (cancelled at once, at the period end, or after failed retries).
    case canceled
    /// Retries ran out and the subscription was left open but unpaid.
    case unpaid
    /// A trial ended without a payment method and the subscription is paused.
    case paused
    /// A status Stripe added after this code was written, as Stripe spelled it.
    case other(String)

    /// Reads Stripe's spelling; never fails (an unknown spelling is ``other(_:)``).
    public init(rawValue: String) {
        switch rawValue {
        case "incomplete": self = .incomplete
        case "incomplete_expired": self = .incompleteExpired
        case "trialing": self = .trialing
        case "active": self = .active
        case "past_due": self = .pastDue
        case "canceled": self = .canceled
        case "unpaid": self = .unpaid
        case "paused": self = .paused
        default: self = .other(rawValue)
        }
    }

    /// Stripe's spelling (`past_due`, ...), as stored and as the API shows it.
    public var rawValue: String {
        switch self {
        case .incomplete: "incomplete"
        case .incompleteExpired: "incomplete_expired"
        case .trialing: "trialing"
        case .active: "active"
        case .pastDue: "past_due"
        case .canceled: "canceled"
        case .unpaid: "unpaid"
        case .paused: "paused"
        case .other(let raw): raw
        }
    }

    public var description: String { rawValue }

    /// Whether the subscription is over for good: Stripe never brings a `canceled` or
    /// `incomplete_expired` subscription back (a new one is created instead), so no later news
    /// may revive it.
    public var isTerminal: Bool {
        self == .canceled || self == .incompleteExpired
    }

    /// Whether the paid plan's limits apply: `active` or `trialing` (`API.md` § Billing); in every
    /// other status the free plan's limits and the calendar month apply.
    public var isPaying: Bool {
        self == .active || self == .trialing
    }

    /// Whether a paid invoice makes the subscription `active` again: it was waiting for a
    /// payment (`past_due`, `unpaid`, or the first payment of an `incomplete` one).
    public var awaitsPayment: Bool {
        self == .pastDue || self == .unpaid || self == .incomplete
    }
}
