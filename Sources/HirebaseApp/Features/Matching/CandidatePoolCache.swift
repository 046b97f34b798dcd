import Fluent
import Foundation
import MatchingCore
import Synchronization

/// Prepared candidate pools per company, kept up to date with the database by small updates
/// instead of rebuilds.
///
/// - **Fresh:** each use asks the database what changed since the pool was last brought up to
///   date, and applies it before ranking, so a change made through any instance is seen at once:
///   1. the ids and `updated_at` of the company's candidates updated at or after the pool's
///      *watermark* (the newest `updated_at` it has seen) less ``changeWindow`` (from a whole
///      second); those whose version differs from the one the pool holds are re-read (Fluent
///      stamps `updated_at` on create and on update, so this finds new candidates too). Those
///      rows are read only when the window's summary (`CandidateWindowSummary`: a count and sums
///      over ids and `updated_at`, computed in SQL by the statement of step 2) differs from the
///      one the pool computes from the versions it holds (``PoolSync/Version``, with the
///      database's stamps); and in a window of more than ``wholeWindowRows`` rows, only those of
///      the id buckets (`CandidateIDBuckets.bucket(of:)`) whose summaries differ
///      (`CandidateWindowBuckets`, one grouped statement over the window). After a bulk import
///      every call read the whole window (about 300 ms at 100,000 rows written in the last 10 s);
///      then none when nothing changed; now about 1/256 of it after one edit;
///   2. the company's count: when it is not the pool's count plus the new candidates, some were
///      deleted (a company's deletion cascades to them; there is no other delete through the
///      API, but rows may be deleted in SQL), and the company's ids summed up per id bucket
///      (`CandidateIDBuckets`: the id's first byte) find which: only the ids of the buckets that
///      differ from the pool's are read and compared (``deletions(in:besides:of:on:)``).
///
///   Both read a range of the index `candidates_company_updated_idx` (migration 18). The window
///   behind the watermark covers writes that commit out of `updated_at` order: a transaction
///   stamped earlier but committed after a later one, or an instance whose clock is behind (the
///   watermark never passes this instance's present, so a row stamped ahead of it stays in
///   every check's window instead of hiding the changes stamped before it). The window also
///   starts no earlier than ``lateCommitBound`` before the previous check began
///   (`PoolSync.checkedAt`): a row that check did not see committed after it, so it was stamped
///   after that moment less the longest a write takes from its stamp to its commit. Without this
///   a company whose last write was a bulk import kept the whole import in every check's window
///   until its next write, and the first edit after it re-read it (273 ms at 100,000 rows).
///   The bound: a candidate update is missed (until the pool is next rebuilt) only if it commits
///   with an `updated_at` more than ``changeWindow`` older than the newest one already seen, or
///   more than ``lateCommitBound`` after its `updated_at` (by the clocks of the instance that
///   wrote it and of this one).
/// - **Updated, not rebuilt:** the changed candidates are applied with
///   `CandidatePool.updating(upserting:removing:)`, which ranks exactly like a rebuild. A full
///   rebuild happens when there is no pool, when one check finds more than
///   ``maxChangesPerUpdate`` changes, or when the pool's overlay would pass ``maxOverlay``.
/// - **Bounded memory:** pools are kept within `budgetBytes` (`CandidatePool.estimatedBytes`),
///   least recently used dropped first; a pool larger than the whole budget is used for its call
///   and not kept.
/// - **No head-of-line blocking:** loading and preparing run outside the actor, so a match
///   against a prepared pool never waits for any build; concurrent calls for the same company
///   share one build.
/// - **Bounded builds:** one build at a time in the process (others queue, suspended), each
///   loading candidates in pages of `pageSize`, keeping at most `maxResumeCharacters` of a
///   résumé, and indexing each page on the heavy-work pool while the next is read, so that a
///   build holds about three pages of profiles besides the pool it makes and never takes the
///   threads that serve other requests. The indexing of a page tokenizes its text on every
///   core (`Dispatch`'s threads, `CandidatePool.Builder`'s `parts`) for the few milliseconds
///   it takes: it was what a cold build waited for.
actor CandidatePoolCache {
    private struct Entry {
        var pool: CandidatePool
        var sync: PoolSync
        var bytes: Int
        var lastUse: UInt64
    }

    /// What a pool holds of the database.
    struct PoolSync: Sendable {
        /// The pool's version of a candidate updated at or after ``windowStart``.
        struct Version: Sendable {
            /// Its `updated_at` as the driver decodes it (compared with the database's).
            var updatedAt: Date
            /// The same instant as the database computes it (`CandidateWindowRow.stamp`), when
            /// the version was seen in a read of the window; nil for one read otherwise (a build's
            /// pages, a candidate re-read after the window's read saw another version), whose
            /// bucket the next check reads whatever its summary.
            var stamp: Int64?
        }

        /// The newest `updated_at` of the company's candidates seen when the pool was last
        /// brought up to date (`distantPast` when none had one).
        var watermark: Date
        /// The pool's version of each candidate updated at or after `windowStart`: the rows the
        /// next check compares.
        var recent: [UUID: Version]
        /// When the check (or the build) that brought the pool up to date began, by this
        /// process's clock, taken before its first statement: whatever that check did not see
        /// committed after it.
        var checkedAt: Date
        /// The window's summaries computed from `recent`, kept while neither it nor
        /// ``windowStart`` changes (nil: computed by the next check).
        var expected: ExpectedWindow?

        /// The oldest `updated_at` the next check reads: ``changeWindow`` before the watermark or
        /// ``lateCommitBound`` before `checkedAt`, whichever is later (both only move forward, so
        /// the window's start does too), rounded down to a whole second, where the database's
        /// stamps (`CandidateWindowRow.stamp`) and its `>=` on `updated_at` agree exactly, so that
        /// the pool's summary of a window is computed from stamps read for a wider one.
        var windowStart: Date {
            let start = max(watermark.timeIntervalSince1970 - CandidatePoolCache.changeWindow,
                            checkedAt.timeIntervalSince1970 - CandidatePoolCache.lateCommitBound)
            return Date(timeIntervalSince1970: start.rounded(.down))
        }

        /// Whether `version` is in the window from `since` (a whole second) as the database sees
        /// it: by its stamp when known (see ``windowStart``), else by its `updated_at`.
        static func isInWindow(_ version: Version, since: Date) -> Bool {
            guard let stamp = version.stamp else { return version.updatedAt >= since }
            return stamp >= Int64(since.timeIntervalSince1970) * 1_000_000
        }
    }

    /// The window's summaries per id bucket (`CandidateWindowBuckets`) as the pool holds it: from
    /// the stamps of the versions in `PoolSync.recent` in the window from `since`; and the buckets
    /// holding a version in the window whose stamp is unknown, which a check reads whatever their
    /// summary.
    struct ExpectedWindow: Sendable {
        /// The window's start (a whole second).
        let since: Date
        /// The summary of each bucket's versions with a known stamp.
        private(set) var buckets = CandidateWindowBuckets()
        /// Per bucket (0...255): whether a version in it has no known stamp.
        private(set) var unknown = [Bool](repeating: false, count: 256)
        /// The buckets with a version of unknown stamp.
        private(set) var unknownCount = 0
        /// The versions in the window, known stamp or not.
        private(set) var count = 0

        /// Computed from `recent`: one pass over it (the versions in the window: up to a bulk
        /// import's rows).
        init(recent: [UUID: PoolSync.Version], since: Date) {
            self.since = since
            let first = Int64(since.timeIntervalSince1970) * 1_000_000
            for (id, version) in recent {
                if let stamp = version.stamp {
                    guard stamp >= first else { continue }
                    buckets.add(id: id, stamp: stamp)
                } else if version.updatedAt >= since {
                    let bucket = CandidateIDBuckets.bucket(of: id)
                    unknownCount += unknown[bucket] ? 0 : 1
                    unknown[bucket] = true
                } else {
                    continue
                }
                count += 1
            }
        }

        /// The buckets to read given the database's summaries `database`: those that differ, and
        /// those with a version of unknown stamp; ascending.
        func bucketsToRead(_ database: CandidateWindowBuckets) -> [Int] {
            let differing = database.differing(from: buckets)
            var read = unknown
            for bucket in differing { read[bucket] = true }
            return read.indices.filter { read[$0] }
        }
    }

    private let matcher: CandidateMatcher
    private let heavyWork: HeavyWork
    /// Reads the candidates and their changes.
    private let store = CandidateStore()
    /// One build at a time.
    private let builder = AsyncSemaphore(limit: 1)
    /// Candidates read per query while loading.
    static let pageSize = 2_000
    /// The part of a résumé matching reads (characters from its start; a résumé may hold 100,000).
    static let maxResumeCharacters = 20_000
    /// Seconds behind the watermark that each check reads again (see the type's notes).
    static let changeWindow: TimeInterval = 10
    /// The longest, in seconds, a candidate's write is taken to run from its `updated_at` (set
    /// before its statement is sent) to its commit, with the writers' clocks' skew: four times
    /// the default wait for a pooled connection plus the statement deadline (5 + 10 s;
    /// `AppConfig` warns when those two pass 25 s). See the type's notes.
    static let lateCommitBound: TimeInterval = 60
    /// The most changed or deleted candidates one check applies as an update; more rebuild.
    static let maxChangesPerUpdate = 2_000
    /// The most candidates a pool's overlay holds (`CandidatePool.overlayCount`); past it the
    /// pool is rebuilt, since every update re-indexes the overlay.
    static let maxOverlay = 4_000
    /// The most bytes of prepared pools kept (`MATCH_CACHE_MB`, default 256 MiB).
    let budgetBytes: Int
    /// The most rows of the change window (the database's or the pool's) read whole when its
    /// summary differs from the pool's; in a larger window the summaries per id bucket are read
    /// first (one grouped statement), then the rows of the buckets that differ. Reading a row
    /// costs about 2.6 µs at 100,000 (PostgreSQL, this 2-core machine), so the default 2,000 is
    /// about 5 ms.
    let wholeWindowRows: Int
    private var entries: [UUID: Entry] = [:]
    private var builds: [UUID: Task<(CandidatePool, PoolSync), any Error>] = [:]
    private var clock: UInt64 = 0
    /// Pools built from the database (tests count rebuilds).
    private(set) var buildCount = 0
    /// Pools brought up to date by an update instead of a rebuild.
    private(set) var updateCount = 0
    /// Checks that read the change window's rows (tests: a check whose window summaries are the
    /// pool's reads none).
    private(set) var windowReadCount = 0
    /// Rows of the change window read, all checks together (tests: one edit reads its bucket's).
    private(set) var windowRowsRead = 0

    /// Hits (a pool held) and misses (built) of `pool(for:on:)`
    /// (`hirebase_cache_requests_total{cache="candidate_pool"}`).
    private let lookups: CacheMetrics.Lookups

    /// - Parameters:
    ///   - lookups: the app's (`HirebaseMetrics.caches.candidatePool`); by default nowhere.
    ///   - wholeWindowRows: ``wholeWindowRows`` (tests set 0 to see the buckets read in a small window).
    init(matcher: CandidateMatcher, heavyWork: HeavyWork, budgetBytes: Int = 256 << 20, lookups: CacheMetrics.Lookups = .discarded,
         wholeWindowRows: Int = 2_000) {
        self.matcher = matcher
        self.heavyWork = heavyWork
        self.budgetBytes = max(1, budgetBytes)
        self.wholeWindowRows = wholeWindowRows
        self.lookups = lookups
    }

    /// Bytes of pools held now.
    var heldBytes: Int { entries.values.reduce(0) { $0 + $1.bytes } }

    /// The company's prepared pool, up to date with the database as of this call.
    /// - Throws: the database's errors; a cancellation when the heavy-work pool shuts down.
    func pool(for companyID: UUID, on db: any Database) async throws -> CandidatePool {
        clock += 1
        var current: (pool: CandidatePool, sync: PoolSync)
        if let entry = entries[companyID] {
            lookups.record(hit: true)
            current = (entry.pool, entry.sync)
        } else {
            lookups.record(hit: false)
            current = try await build(companyID, on: db)
        }
        // Brought up to date after a build too: it may have read its pages before a change that
        // this call must see. A rebuild is tried twice at most; under a flood of writes that
        // outruns even that, the latest pool is used as it is.
        for attempt in 0..<3 {
            if let updated = try await update(current.pool, current.sync, of: companyID, on: db) {
                keep(updated.pool, sync: updated.sync, for: companyID)
                return updated.pool
            }
            guard attempt < 2 else { break }
            entries[companyID] = nil
            current = try await build(companyID, on: db)
        }
        keep(current.pool, sync: current.sync, for: companyID)
        return current.pool
    }

    /// `pool` with the changes the database holds since `sync` applied, or nil when they are
    /// too many for an update (the caller rebuilds).
    private func update(_ pool: CandidatePool, _ sync: PoolSync, of companyID: UUID,
                        on db: any Database) async throws -> (pool: CandidatePool, sync: PoolSync)? {
        let since = sync.windowStart
        let checkedAt = Date()  // before the census: whatever it does not see commits after this
        let census = try await store.census(of: companyID, windowFrom: since, on: db)
        let expected = sync.expected.flatMap { $0.since == since ? $0 : nil } ?? ExpectedWindow(recent: sync.recent, since: since)
        // The window's rows of the buckets whose summary differs from the pool's (every bucket's
        // when they are many, or when the window is small): the others hold exactly the versions
        // the pool holds.
        var toRead: [Int] = []
        if census.window != expected.buckets.total || expected.unknownCount > 0 {
            if expected.unknownCount > CandidateStore.maxIDBucketsRead || max(census.window.count, expected.count) <= wholeWindowRows {
                toRead = Array(0..<256)
            } else {
                toRead = expected.bucketsToRead(try await store.windowBuckets(of: companyID, since: since, on: db))
            }
        }
        var window: [UUID: CandidateWindowRow] = [:]
        var read = [Bool](repeating: false, count: 256)
        if !toRead.isEmpty {
            let every = toRead.count > CandidateStore.maxIDBucketsRead
            window = try await store.changes(of: companyID, since: since, inBuckets: every ? nil : toRead, on: db)
            for bucket in every ? Array(read.indices) : toRead { read[bucket] = true }
            windowReadCount += 1
            windowRowsRead += window.count
        }
        var next = PoolSync(watermark: max(sync.watermark, Self.watermark(newest: census.newest)), recent: sync.recent,
                            checkedAt: max(sync.checkedAt, checkedAt))
        var changed: [UUID] = []
        for (id, row) in window {
            if let held = sync.recent[id], held.updatedAt == row.updatedAt {
                next.recent[id]?.stamp = row.stamp  // the pool's version, as the database stamps it
            } else {
                changed.append(id)
            }
        }
        if !toRead.isEmpty {
            // Versions of the buckets read that the window no longer holds (deleted, moved to
            // another company, stamped back in SQL): forgotten here, deletions found below.
            for (id, version) in sync.recent where read[CandidateIDBuckets.bucket(of: id)] && window[id] == nil
                && PoolSync.isInWindow(version, since: since) {
                next.recent[id] = nil
            }
        }
        var removed: [UUID] = []
        let added = changed.reduce(0) { $0 + (pool.contains($1) ? 0 : 1) }
        if census.count != pool.count + added {
            // Deleted candidates (or ones written without `updated_at`).
            let found = try await deletions(in: pool, besides: changed, of: companyID, on: db)
            removed = found.removed
            changed += found.unseen
        }
        let windowMoved = next.windowStart != since
        guard !changed.isEmpty || !removed.isEmpty else {
            if toRead.isEmpty, !windowMoved {
                next.expected = expected
            } else {
                next.recent = Self.inWindow(next.recent, since: next.windowStart)
            }
            return (pool, next)
        }
        let changes = changed.count + removed.count
        guard changes <= Self.maxChangesPerUpdate, pool.overlayCount + changes <= Self.maxOverlay else { return nil }

        let rows = try await store.profiles(ids: changed, of: companyID, maxResumeCharacters: Self.maxResumeCharacters, on: db)
        let profiled = Set(rows.map(\.profile.id))
        removed += changed.filter { !profiled.contains($0) }  // deleted since the first query
        for row in rows {
            let updatedAt = row.updatedAt ?? .distantPast
            // The window's stamp when the window's read saw this very version.
            let stamp = window[row.profile.id].flatMap { $0.updatedAt == updatedAt ? $0.stamp : nil }
            next.recent[row.profile.id] = PoolSync.Version(updatedAt: updatedAt, stamp: stamp)
        }
        for id in removed { next.recent[id] = nil }
        next.recent = Self.inWindow(next.recent, since: next.windowStart)
        let upserting = rows.map(\.profile)
        let updated = try await heavyWork.run { [removed] in pool.updating(upserting: upserting, removing: removed) }
        updateCount += 1
        return (updated, next)
    }

    /// The versions of `recent` in the window from `since` (`PoolSync.isInWindow(_:since:)`).
    private static func inWindow(_ recent: [UUID: PoolSync.Version], since: Date) -> [UUID: PoolSync.Version] {
        recent.filter { PoolSync.isInWindow($0.value, since: since) }
    }

    /// The candidates of `pool` that the database no longer holds, and those it holds that
    /// neither `pool` nor `changed` (the window's changed ids) has (written without
    /// `updated_at`), found by id bucket (`CandidateIDBuckets`): the database's figures per
    /// bucket are compared with those of the pool's ids and the new ones in `changed`, and only
    /// the ids of the buckets that differ are read and compared. One deletion reads about 1/256
    /// of the ids (every id before: 130 ms of this process's CPU at 100,000 candidates, against
    /// 10-20 ms). When more than `CandidateStore.maxIDBucketsRead` buckets differ, every id is read.
    /// - Throws: the database's errors.
    private func deletions(in pool: CandidatePool, besides changed: [UUID], of companyID: UUID,
                           on db: any Database) async throws -> (removed: [UUID], unseen: [UUID]) {
        let inDatabase = try await store.idBuckets(of: companyID, on: db)
        let poolIDs = pool.candidateIDs
        var expected = CandidateIDBuckets()
        for id in poolIDs { expected.add(id) }
        for id in changed where !pool.contains(id) { expected.add(id) }
        let differing = inDatabase.differing(from: expected)
        guard !differing.isEmpty else { return ([], []) }
        let ids: Set<UUID>
        var read = [Bool](repeating: differing.count > CandidateStore.maxIDBucketsRead, count: 256)
        if differing.count > CandidateStore.maxIDBucketsRead {
            ids = Set(try await store.ids(of: companyID, on: db))
        } else {
            ids = Set(try await store.ids(of: companyID, inBuckets: differing, on: db))
            for bucket in differing { read[bucket] = true }
        }
        let known = Set(changed)
        return (poolIDs.filter { read[CandidateIDBuckets.bucket(of: $0)] && !ids.contains($0) },
                ids.filter { !pool.contains($0) && !known.contains($0) })
    }

    /// The watermark after seeing `newest` as the company's newest `updated_at`: never later
    /// than the present. A row stamped in the future (an instance whose clock runs ahead, a row
    /// written by hand) would otherwise carry the watermark there, and every change stamped at
    /// the right time before it would be missed for good, not just late.
    static func watermark(newest: Date?) -> Date {
        min(newest ?? .distantPast, Date())
    }

    /// A pool built from the database, shared with any build of the company in flight.
    private func build(_ companyID: UUID, on db: any Database) async throws -> (pool: CandidatePool, sync: PoolSync) {
        let task: Task<(CandidatePool, PoolSync), any Error>
        if let running = builds[companyID] {
            task = running
        } else {
            let (matcher, heavyWork, builder, store) = (self.matcher, self.heavyWork, self.builder, self.store)
            task = Task.detached(priority: .medium) {
                try await builder.withSlot {
                    try await Self.load(companyID, matcher: matcher, heavyWork: heavyWork, store: store, on: db)
                }
            }
            builds[companyID] = task
            buildCount += 1
        }
        defer { if builds[companyID] == task { builds[companyID] = nil } }
        let (pool, sync) = try await task.value
        return (pool, sync)
    }

    /// Reads the company's candidates in pages and indexes each page on the heavy-work pool
    /// while the next one is read.
    private static func load(_ companyID: UUID, matcher: CandidateMatcher, heavyWork: HeavyWork, store: CandidateStore,
                             on db: any Database) async throws -> (CandidatePool, PoolSync) {
        // The watermark is read first: whatever changes while the pages are read is at or after
        // it, so the first check after the build reads it again.
        let checkedAt = Date()  // before the first statement (see `PoolSync.checkedAt`)
        let census = try await store.census(of: companyID, on: db)
        var sync = PoolSync(watermark: watermark(newest: census.newest), recent: [:], checkedAt: checkedAt)
        // Each page's text tokenized on every core: the indexing, not the reading, was what a
        // build waited for (a cold build is rare; a match meanwhile still gets its share).
        let building = PoolBuilding(CandidatePool.Builder(aliases: matcher.aliases, places: matcher.places, expectedCount: census.count,
                                                          parts: ProcessInfo.processInfo.activeProcessorCount))
        // Durations for the log (a monotonic clock: they are not times of day).
        let timer = ContinuousClock()
        let started = timer.now
        var waitedForIndexing = Duration.zero
        var adding: Task<Void, any Error>?
        try await store.forEachProfilePage(of: companyID, pageSize: pageSize, maxResumeCharacters: maxResumeCharacters, on: db) { rows in
            for row in rows where (row.updatedAt ?? .distantPast) >= sync.windowStart {
                sync.recent[row.profile.id] = PoolSync.Version(updatedAt: row.updatedAt ?? .distantPast, stamp: nil)
            }
            let profiles = rows.map(\.profile)
            let waiting = timer.now
            try await adding?.value
            waitedForIndexing += timer.now - waiting
            adding = Task { try await heavyWork.run { building.add(profiles) } }
        }
        let read = timer.now
        try await adding?.value
        let pool = try await heavyWork.run { building.finish() }
        func milliseconds(_ duration: Duration) -> String { "\(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)" }
        db.logger.info("candidate pool built", metadata: [
            "candidates": "\(pool.count)", "bytes": "\(pool.estimatedBytes)", "duration-ms": "\(milliseconds(timer.now - started))",
            "reading-ms": "\(milliseconds(read - started))", "waiting-for-indexing-ms": "\(milliseconds(waitedForIndexing))",
        ])
        return (pool, sync)
    }

    private func keep(_ pool: CandidatePool, sync: PoolSync, for companyID: UUID) {
        if let entry = entries[companyID], entry.pool.isSameVersion(as: pool) {
            entries[companyID]?.sync = sync
            entries[companyID]?.lastUse = clock
            return
        }
        let bytes = pool.estimatedBytes
        entries[companyID] = nil
        guard bytes <= budgetBytes else { return }
        var held = heldBytes
        while held + bytes > budgetBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            held -= oldest.value.bytes
            entries[oldest.key] = nil
        }
        entries[companyID] = Entry(pool: pool, sync: sync, bytes: bytes, lastUse: clock)
    }
}

/// A pool being built from pages, handed between the loading task and the heavy-work thread
/// that indexes each page (one at a time: the loader waits for a page before sending the next).
private final class PoolBuilding: Sendable {
    private let builder: Mutex<CandidatePool.Builder?>

    init(_ builder: CandidatePool.Builder) {
        self.builder = Mutex(builder)
    }

    func add(_ profiles: [CandidateProfile]) {
        builder.withLock { $0?.add(contentsOf: profiles) }
    }

    /// The finished pool; the builder is gone afterwards.
    func finish() -> CandidatePool {
        builder.withLock { builder in
            let finishing = builder
            builder = nil
            return finishing.map { $0.finish() } ?? CandidatePool(candidates: [])
        }
    }
}
