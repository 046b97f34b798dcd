import Fluent
import Foundation
import SQLKit

/// A change one instance tells every instance about, so that each drops what it cached of it.
///
/// Sent with PostgreSQL's `pg_notify` on ``channel`` inside the transaction that makes the
/// change (PostgreSQL delivers it when, and only if, that transaction commits), and received by
/// each instance's `ChangeListener`. The payload is text: `"<kind>:<id>"`.
enum ChangeAnnouncement: Sendable, Equatable {
    /// A user's subscription or usage changed (`BillingSnapshotCache`).
    case billing(UUID)

    /// The one `LISTEN`/`NOTIFY` channel of Hirebase (database-wide: every schema of the
    /// database shares it, and an unknown payload is ignored).
    static let channel = "hirebase_changes"

    /// The notification's payload, e.g. `billing:1f0c…`.
    var payload: String {
        switch self {
        case .billing(let userID): return "billing:" + userID.lowercased
        }
    }

    /// Reads a payload; `nil` for one this version does not know (a newer instance may send it).
    init?(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "billing", let id = UUID(uuidString: String(parts[1])) else { return nil }
        self = .billing(id)
    }
}
