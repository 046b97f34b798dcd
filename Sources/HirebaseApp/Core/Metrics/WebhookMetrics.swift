import BillingCore
import CoreMetrics

/// Stripe's webhook deliveries (`POST /webhooks/stripe`):
/// `hirebase_stripe_webhook_events_total{type,outcome}`.
///
/// `type` is one of the event types billing handles (`StripeEventType`: `checkout.session.completed`,
/// `customer.subscription.created`, ...), `other` for any other type, or `unknown` when the
/// delivery was refused before its type could be read (bad signature, not an event).
struct WebhookMetrics: Sendable {
    /// What became of a delivery, as the `outcome` label names it.
    enum Outcome: String, Sendable, CaseIterable {
        /// Recorded and applied (`BillingService.WebhookOutcome.applied`).
        case applied
        /// Recorded before; acknowledged, not applied again.
        case duplicate
        /// Acknowledged without effect: a type billing does not handle, or an object it cannot read.
        case ignored
        /// 401: the `Stripe-Signature` is missing, wrong or too old.
        case invalidSignature = "invalid_signature"
        /// 400: validly signed, but not a Stripe event object.
        case invalidPayload = "invalid_payload"
        /// Applying failed (500); Stripe delivers it again.
        case error
    }

    /// The `type` label of events of a type billing does not handle.
    static let otherType = "other"
    /// The `type` label of deliveries refused before their type was read.
    static let unknownType = "unknown"

    /// One series' labels.
    private struct Key: Hashable {
        var type: String
        var outcome: Outcome
    }

    private let counters: [Key: CoreMetrics.Counter]

    /// Makes the counters of every combination that can happen: each handled type and `other`
    /// with `applied`, `duplicate`, `ignored` and `error`; `unknown` with the two refusals.
    init(factory: any MetricsFactory) {
        var keys: [Key] = []
        for type in StripeEventType.allCases.map(\.rawValue) + [Self.otherType] {
            for outcome in [Outcome.applied, .duplicate, .ignored, .error] { keys.append(Key(type: type, outcome: outcome)) }
        }
        keys += [Key(type: Self.unknownType, outcome: .invalidSignature), Key(type: Self.unknownType, outcome: .invalidPayload)]
        counters = Dictionary(uniqueKeysWithValues: keys.map { key in
            (key, CoreMetrics.Counter(label: "hirebase_stripe_webhook_events_total",
                                      dimensions: [("type", key.type), ("outcome", key.outcome.rawValue)], factory: factory))
        })
    }

    /// The `type` label of an event of Stripe type `type` (bounded: a handled type or `other`).
    static func typeLabel(_ type: String) -> String {
        StripeEventType(rawValue: type)?.rawValue ?? otherType
    }

    /// Counts one delivery.
    /// - Parameter type: `typeLabel(event.type)`, or `unknownType`.
    func record(type: String, _ outcome: Outcome) {
        counters[Key(type: type, outcome: outcome)]?.increment()
    }
}
