/// What applying a change decided.
public enum SubscriptionUpdate: Sendable, Hashable {
    /// Store this record (it replaces the stored one, or is the first).
    case store(SubscriptionRecord)
    /// Keep the stored record as it is, for this reason.
    case unchanged(Reason)

    /// Why a change was not applied.
    public enum Reason: Sendable, Hashable {
        /// The stored state is newer than the change (a late or retried delivery).
        case stale
        /// The stored subscription has ended, and an ended subscription never comes back.
        case ended
        /// The change concerns another subscription than the stored one and may not replace it
        /// (the end of an older subscription, or news of the same second as the stored state).
        case otherSubscription
        /// The change concerns a subscription that is not the stored one (or none is stored), and
        /// it carries no subscription to store (invoices, a 404 from Stripe).
        case notStored
    }

    /// The record to store, if any.
    public var record: SubscriptionRecord? {
        if case .store(let record) = self { return record }
        return nil
    }
}
