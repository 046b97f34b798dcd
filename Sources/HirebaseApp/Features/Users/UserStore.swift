import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit

/// Every query of the `users` table.
struct UserStore: Sendable {
    /// Users this instance has recorded, with the e-mail recorded: a request of a known user with
    /// the same e-mail needs no query (issue 9). Bounded; dropped whole when full.
    let known: KnownUsers
    /// Where `known`'s hits and misses are counted (`hirebase_cache_requests_total{cache="user"}`).
    let knownLookups: CacheMetrics.Lookups

    /// - Parameter knownLookups: the app's (`HirebaseMetrics.caches.user`) for the store that
    ///   records sightings; by default counted nowhere.
    init(known: KnownUsers = KnownUsers(), knownLookups: CacheMetrics.Lookups = .discarded) {
        self.known = known
        self.knownLookups = knownLookups
    }

    /// The user with this id.
    func find(_ id: UUID, on db: any Database) async throws -> User? {
        try await User.find(id, on: db)
    }

    /// The user whose stored e-mail has this lookup key (`EmailLookupKey`).
    func find(emailKey: String, on db: any Database) async throws -> User? {
        try await User.query(on: db).filter(\.$email == emailKey).first()
    }

    /// Inserts the user on first sight (ignoring a concurrent insert of the same id) and
    /// refreshes the stored e-mail when the token carries a different one.
    /// - Parameter db: read only when the user is not known already (getting a request's
    ///   database costs a lookup and an allocation per request).
    func recordSighting(of user: AuthenticatedUser, at now: Date, on db: @autoclosure () -> any Database) async throws {
        let hit = known.hasRecorded(user, at: now)
        knownLookups.record(hit: hit)
        if hit { return }
        try await record(user, at: now, on: db())
        known.remember(user, at: now)
    }

    /// Whether ``recordSighting(of:at:on:)`` would need no query (the user is recorded with this
    /// e-mail), counted as a hit; `false` counts nothing (``recordSighting(of:at:on:)`` follows).
    func sightingRecorded(of user: AuthenticatedUser, at now: Date) -> Bool {
        guard known.hasRecorded(user, at: now) else { return false }
        knownLookups.record(hit: true)
        return true
    }

    private func record(_ user: AuthenticatedUser, at now: Date, on db: any Database) async throws {
        if let existing = try await User.find(user.id, on: db) {
            if let email = user.email, existing.email != email {
                existing.email = email
                try await existing.update(on: db)
            }
            return
        }
        try await db.sql.insert(into: User.schema)
            .columns(User.column(\.$id), User.column(\.$email), User.column(\.$createdAt), User.column(\.$updatedAt))
            .values(SQLBind(user.id), SQLBind(user.email), SQLBind(now), SQLBind(now))
            .ignoringConflicts(with: [User.column(\.$id).string])
            .run()
    }
}

/// The users an instance has already written to `users`, with the e-mail written (see
/// `UserStore.recordSighting`). Another instance's change is seen here when this instance gets a
/// token with another e-mail: the row is then checked and updated again. An entry is trusted for
/// `maxAge` (10 minutes), so a row lost underneath (a database restored from a backup) comes
/// back within that bound.
final class KnownUsers: Sendable {
    private struct Entry {
        var email: String?
        var recordedAt: Date
    }

    private let entries = NIOLockedValueBox([UUID: Entry]())
    /// The most users kept.
    let capacity: Int
    /// How long an entry is trusted, in seconds.
    let maxAge: TimeInterval

    init(capacity: Int = 100_000, maxAge: TimeInterval = 600) {
        self.capacity = max(1, capacity)
        self.maxAge = maxAge
    }

    /// Whether `user` was recorded, less than `maxAge` before `now`, with the e-mail its token
    /// carries now (a token without an e-mail changes nothing, so then any recorded e-mail does).
    func hasRecorded(_ user: AuthenticatedUser, at now: Date) -> Bool {
        guard let entry = entries.withLockedValue({ $0[user.id] }), now.timeIntervalSince(entry.recordedAt) < maxAge else { return false }
        return user.email == nil || entry.email == user.email
    }

    /// Notes that `user`'s row is written as of `now`.
    func remember(_ user: AuthenticatedUser, at now: Date) {
        let capacity = self.capacity
        entries.withLockedValue { entries in
            if entries.count >= capacity, entries[user.id] == nil { entries.removeAll(keepingCapacity: true) }
            let email = user.email ?? entries[user.id]?.email
            entries[user.id] = Entry(email: email, recordedAt: now)
        }
    }
}
