import BillingCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Per-instance cache of each user's billing snapshot: the stored subscription and the usage of
/// the current period, so that `GET /subscription-status` and the limit checks of metered
/// requests need no query while nothing changed.
///
/// **How long an entry is served** depends on how changes made elsewhere reach this instance
/// (`freshness`):
/// - `.announced`: a `ChangeListener` is connected to PostgreSQL (`LISTEN`); every change on
///   any instance is announced in its own transaction (`pg_notify`, delivered at commit), and the
///   entry is dropped when the announcement arrives, typically within milliseconds. Entries are
///   still served at most `announcedTTL` (default 300 s), a safety net.
/// - `.unannounced`: no listener (SQLite, where one process serves the file; PostgreSQL behind a
///   transaction-mode pooler without `DATABASE_DIRECT_URL`; or while the listener reconnects).
///   Changes made through this instance drop the entry at once; changes made elsewhere are seen
///   within `unannouncedTTL` (`BILLING_CACHE_TTL_SECONDS`, default 5 s).
///
/// A consumption changes the usage alone: it drops the usage part of the entry and keeps the
/// subscription (`dropUsage`, announced as `ChangeAnnouncement.usage`), so that a stream of
/// metered calls reads the subscription once, not once per call.
///
/// Limits are enforced by the database whatever the cache says (`BillingStore.consumeUsage`), so
/// a stale entry can delay what a status read shows by those bounds, never let usage pass a limit.
///
/// **No stale write-back.** A reader takes a `Ticket` before it queries; an entry it read is kept
/// only if no change of that user (and no `dropAll`) was seen since the ticket, so an answer read
/// before a change cannot be cached after the change's announcement.
///
/// **Refreshed ahead, one reader per entry.** In the last part of an entry's life (from 60-80% of
/// the TTL on, the point set per user so that entries stored together do not come due together),
/// the first reader is told to refresh it (`Snapshot.refreshDue`) and does so (`replace`) while
/// every other reader is still answered from the entry, which is still within its TTL: under
/// steady reads an entry never expires, so there is no moment when all readers of a user (or,
/// on SQLite, all users filled at the same time, every `unannouncedTTL`) query at once.
///
/// **The encoded status.** An entry can also keep the JSON body of `GET /subscription-status`
/// encoded from it (`EncodedStatus`), so that a read of an unchanged snapshot does not encode it
/// again. It is kept only for the entry it was encoded from (`Snapshot.revision`), for the period
/// it shows, and it goes with the entry: every store, drop and expiry of the entry drops it.
///
/// **Bounded:** at most `capacity` users (default 100,000; then it starts over), about 850 bytes
/// each with a subscription and three features' usage (measured: about 85 MiB when full), and
/// an estimated 600 more with an encoded status (a body of about 330 bytes in a buffer of at most
/// 512; not measured).
final class BillingSnapshotCache: Sendable {
    /// How changes made by other instances reach this one.
    enum Freshness: Sendable, Equatable {
        case announced, unannounced
    }

    /// The moment a read began (see "No stale write-back").
    struct Ticket: Sendable {
        fileprivate var generation: UInt64
        /// When the read began: what it fetched is at most this old, and its TTL runs from here
        /// (a slow read may have missed a change made elsewhere while it ran).
        fileprivate var takenAt: Date
    }

    /// The usage of every plan feature in the period starting at `periodStart`.
    struct Usage: Sendable, Equatable {
        var periodStart: Date
        var used: [PlanFeature: Int]
    }

    /// The JSON body of `GET /subscription-status` encoded from an entry's snapshot.
    struct EncodedStatus: Sendable {
        /// The period the body shows (`periodStart`, `periodEnd`): the same snapshot shows another
        /// period once the clock passes this one's end.
        var period: BillingPeriod
        /// The body's bytes, as the response's encoder wrote them.
        var body: ByteBuffer
    }

    /// Everything an entry holds, read under one lock (`snapshot(of:)`).
    struct Snapshot: Sendable {
        /// The stored subscription (`nil`: the user has none).
        var record: SubscriptionRecord?
        var usage: Usage
        /// The status encoded from this snapshot before, if any (check its period).
        var encodedStatus: EncodedStatus?
        /// Names this content of the entry: any store or drop of the entry changes it
        /// (`keep(_:of:revision:)` keeps a body only for the revision it was encoded from).
        var revision: UInt64
        /// Whether this reader is the one to refresh the entry now (`replace`); the entry is
        /// still valid to answer if that fails (then call `refreshFailed`).
        var refreshDue: Bool
    }

    private struct Entry {
        /// `nil` when not read yet; `.some(nil)` when the user has no subscription.
        var record: SubscriptionRecord??
        var usage: Usage?
        /// When the read of its oldest part began.
        var storedAt: Date
        /// The generation of the last change seen for this user.
        var changedAt: UInt64
        /// The status encoded from `record` and `usage`; `nil` whenever either changes.
        var encodedStatus: EncodedStatus? = nil
        /// The state's `revision` when `record` or `usage` last changed.
        var revision: UInt64 = 0
        /// Whether a reader was told to refresh the entry (and has not failed yet).
        var refreshing = false
    }

    private struct State {
        var entries: [UUID: Entry] = [:]
        var generation: UInt64 = 0
        /// Readers whose ticket is older than this store nothing (after `dropAll` or a restart
        /// of the map).
        var floor: UInt64 = 0
        var freshness: Freshness
        /// Counts every change of any entry's content (`Entry.revision`).
        var revision: UInt64 = 0
    }

    private let state: NIOLockedValueBox<State>
    private let clock: WallClock
    /// Seconds an entry is served while changes are announced.
    let announcedTTL: TimeInterval
    /// Seconds an entry is served while they are not.
    let unannouncedTTL: TimeInterval
    /// The most users kept.
    let capacity: Int
    /// Hits and misses (`hirebase_cache_requests_total{cache="billing_snapshot"}`).
    private let lookups: CacheMetrics.Lookups

    /// - Parameters:
    ///   - unannouncedTTL: seconds an entry is served when changes elsewhere are not announced.
    ///   - announcedTTL: seconds an entry is served while a listener delivers announcements.
    ///   - clock: the time source that expires entries.
    ///   - lookups: where `record(of:)` and `usage(of:periodStart:)` count their hits and misses
    ///     (`HirebaseMetrics.caches.billingSnapshot`); by default nowhere.
    init(unannouncedTTL: TimeInterval = 5, announcedTTL: TimeInterval = 300, capacity: Int = 100_000, clock: WallClock,
         lookups: CacheMetrics.Lookups = .discarded) {
        self.unannouncedTTL = unannouncedTTL
        self.announcedTTL = announcedTTL
        self.capacity = max(1, capacity)
        self.clock = clock
        self.lookups = lookups
        state = NIOLockedValueBox(State(freshness: .unannounced))
    }

    /// How changes elsewhere reach this instance now.
    var freshness: Freshness { state.withLockedValue { $0.freshness } }

    /// Says whether announcements are being received. Either switch drops every entry: while
    /// the listener was away, announcements may have been missed.
    func setFreshness(_ freshness: Freshness) {
        state.withLockedValue { state in
            guard state.freshness != freshness else { return }
            state.freshness = freshness
            Self.dropAll(&state)
        }
    }

    /// A ticket to present when storing what a read is about to fetch.
    func ticket() -> Ticket {
        let now = clock.now()
        return state.withLockedValue { Ticket(generation: $0.generation, takenAt: now) }
    }

    /// The cached subscription: `nil` when not cached (or expired), `.some(nil)` when the user is
    /// cached as having none.
    func record(of userID: UUID) -> SubscriptionRecord?? {
        let now = clock.now()
        let cached: SubscriptionRecord?? = state.withLockedValue { state in
            guard let entry = state.entries[userID], live(entry, state: state, at: now) else { return nil }
            return entry.record
        }
        lookups.record(hit: cached != nil)
        return cached
    }

    /// The cached usage of the period starting at `periodStart`, if cached for that period.
    func usage(of userID: UUID, periodStart: Date) -> [PlanFeature: Int]? {
        let now = clock.now()
        let cached: [PlanFeature: Int]? = state.withLockedValue { state in
            guard let entry = state.entries[userID], live(entry, state: state, at: now),
                  let usage = entry.usage, usage.periodStart == periodStart else { return nil }
            return usage.used
        }
        lookups.record(hit: cached != nil)
        return cached
    }

    /// The user's whole live entry, read under one lock, when it holds both the subscription and
    /// the usage (of some period: compare `usage.periodStart` with the standing's). Counted as the
    /// two hits of `record(of:)` and `usage(of:periodStart:)` it stands for; `nil` counts nothing
    /// (the caller falls back to those two lookups, which count themselves).
    ///
    /// Tells one reader per entry to refresh it once it is in the last part of its life (see
    /// "Refreshed ahead").
    func snapshot(of userID: UUID) -> Snapshot? {
        let now = clock.now()
        let snapshot: Snapshot? = state.withLockedValue { state in
            guard let entry = state.entries[userID], live(entry, state: state, at: now),
                  let record = entry.record, let usage = entry.usage else { return nil }
            let due = !entry.refreshing && now.timeIntervalSince(entry.storedAt) >= refreshAge(of: userID, state: state)
            if due { state.entries[userID]?.refreshing = true }
            return Snapshot(record: record, usage: usage, encodedStatus: entry.encodedStatus, revision: entry.revision, refreshDue: due)
        }
        if snapshot != nil {
            lookups.record(hit: true)
            lookups.record(hit: true)
        }
        return snapshot
    }

    /// Puts a whole new snapshot of the user in place of the entry (a refresh, see "Refreshed
    /// ahead"), its life running from `ticket`, unless a change of the user (or a `dropAll`) was
    /// seen since `ticket` was taken ("No stale write-back").
    /// - Parameters:
    ///   - record: the stored subscription (`nil`: none).
    ///   - usage: the usage of the period the standing of `record` is in.
    func replace(_ record: SubscriptionRecord?, _ usage: Usage, of userID: UUID, readAfter ticket: Ticket) {
        state.withLockedValue { state in
            guard ticket.generation >= state.floor else { return }
            let changedAt = state.entries[userID]?.changedAt ?? 0
            guard changedAt <= ticket.generation else { return }
            if state.entries[userID] == nil, state.entries.count >= capacity { Self.dropAll(&state); return }
            state.revision += 1
            state.entries[userID] = Entry(record: .some(record), usage: usage, storedAt: ticket.takenAt, changedAt: changedAt,
                                          revision: state.revision)
        }
    }

    /// A refresh the entry's snapshot asked for failed: the next reader is told to try again.
    func refreshFailed(_ userID: UUID) {
        state.withLockedValue { state in state.entries[userID]?.refreshing = false }
    }

    /// Keeps a status encoded from the snapshot of `revision`, if the user's entry is still that
    /// snapshot (and live); otherwise does nothing.
    func keep(_ encoded: EncodedStatus, of userID: UUID, revision: UInt64) {
        let now = clock.now()
        state.withLockedValue { state in
            guard var entry = state.entries[userID], entry.revision == revision, live(entry, state: state, at: now) else { return }
            entry.encodedStatus = encoded
            state.entries[userID] = entry
        }
    }

    /// Keeps the user's subscription (`nil`: none), read after `ticket` was taken.
    func store(_ record: SubscriptionRecord?, of userID: UUID, readAfter ticket: Ticket) {
        update(userID, readAfter: ticket) { $0.record = .some(record) }
    }

    /// Keeps the user's usage, read after `ticket` was taken.
    func store(_ usage: Usage, of userID: UUID, readAfter ticket: Ticket) {
        update(userID, readAfter: ticket) { $0.usage = usage }
    }

    /// Forgets the user's snapshot: a change of their subscription or usage was made here or
    /// announced by another instance.
    func drop(_ userID: UUID) {
        state.withLockedValue { state in
            state.generation += 1
            state.revision += 1
            if state.entries.count >= capacity, state.entries[userID] == nil { Self.dropAll(&state) }
            state.entries[userID] = Entry(record: nil, usage: nil, storedAt: .distantPast, changedAt: state.generation,
                                          revision: state.revision)
        }
    }

    /// Forgets the user's usage and keeps their subscription: a consumption was made here or
    /// announced by another instance (`ChangeAnnouncement.usage`). Like `drop`, it counts as a
    /// change of the user for "No stale write-back": a read begun before it stores nothing,
    /// subscription included.
    func dropUsage(_ userID: UUID) {
        state.withLockedValue { state in
            state.generation += 1
            state.revision += 1
            guard var entry = state.entries[userID], entry.record != nil else {
                if state.entries.count >= capacity, state.entries[userID] == nil { Self.dropAll(&state) }
                state.entries[userID] = Entry(record: nil, usage: nil, storedAt: .distantPast, changedAt: state.generation,
                                              revision: state.revision)
                return
            }
            entry.usage = nil
            entry.encodedStatus = nil
            entry.refreshing = false
            entry.changedAt = state.generation
            entry.revision = state.revision
            state.entries[userID] = entry
        }
    }

    /// Users with an entry (a tombstone of a change included).
    var count: Int { state.withLockedValue { $0.entries.count } }

    private static func dropAll(_ state: inout State) {
        state.generation += 1
        state.floor = state.generation
        state.entries.removeAll(keepingCapacity: true)
    }

    private func live(_ entry: Entry, state: State, at now: Date) -> Bool {
        now.timeIntervalSince(entry.storedAt) < ttl(state)
    }

    private func ttl(_ state: State) -> TimeInterval {
        state.freshness == .announced ? announcedTTL : unannouncedTTL
    }

    /// Seconds after which the user's entry is refreshed ahead: 60% to 80% of the TTL, by the
    /// last byte of the user id (spread evenly, the same for a user every time).
    private func refreshAge(of userID: UUID, state: State) -> TimeInterval {
        ttl(state) * (0.6 + 0.2 * Double(userID.uuid.15) / 255)
    }

    private func update(_ userID: UUID, readAfter ticket: Ticket, _ change: (inout Entry) -> Void) {
        let now = clock.now()
        state.withLockedValue { state in
            guard ticket.generation >= state.floor else { return }
            var entry = state.entries[userID] ?? Entry(record: nil, usage: nil, storedAt: ticket.takenAt, changedAt: 0)
            // A change seen after the read began: what was read may be older than it.
            guard entry.changedAt <= ticket.generation else { return }
            if !live(entry, state: state, at: now) {
                entry = Entry(record: nil, usage: nil, storedAt: ticket.takenAt, changedAt: entry.changedAt)
            }
            // The entry lives as long as its oldest part: the TTL runs from the read's start.
            entry.storedAt = min(entry.storedAt, ticket.takenAt)
            change(&entry)
            state.revision += 1
            entry.revision = state.revision
            entry.encodedStatus = nil
            if state.entries[userID] == nil, state.entries.count >= capacity { Self.dropAll(&state); return }
            state.entries[userID] = entry
        }
    }
}
