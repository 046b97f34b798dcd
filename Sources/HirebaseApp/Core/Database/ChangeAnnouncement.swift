import Fluent
import Foundation
import SQLKit

/// A change one instance tells every instance about, so that each drops what it cached of it.
///
/// Sent with PostgreSQL's `pg_notify` on ``channel`` inside the transaction that makes the
/// change (PostgreSQL delivers it when, and only if, that transaction commits), and received by
/// each instance's `ChangeListener`. The payload is text: `"<kind>:<id>"`.
///
/// An instance older than a kind ignores it: `usage` came after `billing`, so during a rolling
/// upgrade an older instance does not drop its cached usage on another instance's consumption,
/// and its status reads may show usage up to its announced TTL old (limits are enforced in the
/// database all the same).
enum ChangeAnnouncement: Sendable, Equatable {
    /// A user's subscription (or, from an older instance, subscription or usage) changed: drop
    /// the user's whole billing snapshot (`BillingSnapshotCache.drop`).
    case billing(UUID)
    /// A user's usage changed and their subscription did not: drop the usage alone
    /// (`BillingSnapshotCache.dropUsage`), so that the next metered call needs no subscription read.
    case usage(UUID)

    /// The one `LISTEN`/`NOTIFY` channel of Hirebase (database-wide: every schema of the
    /// database shares it, and an unknown payload is ignored).
    static let channel = "hirebase_changes"

    /// The notification's payload, e.g. `billing:1f0c…` or `usage:1f0c…`.
    var payload: String {
        switch self {
        case .billing(let userID): return "billing:" + userID.lowercased
        case .usage(let userID): return "usage:" + userID.lowercased
        }
    }

    /// Reads a payload; `nil` for one this version does not know (a newer instance may send it).
    init?(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let id = UUID(uuidString: String(parts[1])) else { return nil }
        switch parts[0] {
        case "billing": self = .billing(id)
        case "usage": self = .usage(id)
        default: return nil
        }
    }
}
