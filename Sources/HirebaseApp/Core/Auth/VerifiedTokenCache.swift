import Crypto
import Foundation
import NIOConcurrencyHelpers

/// Tokens this instance has verified, so that a token used again is not verified again while it
/// is valid (issue 9: the signature check and claim parsing were most of a cheap read's cost).
///
/// Keyed by the SHA-256 of the token, never the token itself. An entry answers only inside the
/// token's own validity (`nbf - leeway` ..< `exp + leeway`), so a cached answer is the answer a
/// fresh verification would give at that moment: a JWT cannot be revoked before its `exp`
/// anyway. Bounded: at `capacity` entries the expired ones are dropped, and if none are, all of
/// them (the next requests verify again).
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        var user: AuthenticatedUser
        /// The token is valid from `validFrom` (inclusive) until `validUntil` (exclusive).
        var validFrom: Date
        var validUntil: Date
    }

    private let entries = NIOLockedValueBox([SHA256Digest: Entry]())
    /// The most entries kept.
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
    }

    /// The digest a token is kept under.
    static func key(_ token: String) -> SHA256Digest { SHA256.hash(data: Data(token.utf8)) }

    /// The verified caller of `key`'s token, when it was verified before and is valid at `now`.
    func user(for key: SHA256Digest, at now: Date) -> AuthenticatedUser? {
        guard let entry = entries.withLockedValue({ $0[key] }), entry.validFrom <= now, now < entry.validUntil else { return nil }
        return entry.user
    }

    /// Remembers a verified token.
    func insert(_ entry: Entry, for key: SHA256Digest, now: Date) {
        let capacity = self.capacity
        entries.withLockedValue { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.validUntil > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = entry
        }
    }

    /// How many tokens are kept (tests).
    var count: Int { entries.withLockedValue(\.count) }
}
