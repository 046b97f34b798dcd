import Fluent
import Foundation
import MatchingCore

/// Prepared candidate pools per company, reused while the company's candidates are unchanged.
///
/// - **Fresh:** each use compares the company's fingerprint (candidate count, newest creation,
///   newest update: one aggregate query) with the cached one, so a change made through any
///   instance is seen at once; only the preparation is cached.
/// - **Bounded memory:** pools are kept within `budgetBytes` (`CandidatePool.estimatedBytes`),
///   least recently used dropped first; a pool larger than the whole budget is used for its call
///   and not kept.
/// - **No head-of-line blocking:** loading and preparing run outside the actor, so a match
///   against a prepared pool never waits for any build; concurrent calls for the same company
///   share one build.
/// - **Bounded builds:** one build at a time in the process (others queue, suspended), each
///   loading candidates in pages of `pageSize` and keeping at most `maxResumeCharacters` of a
///   résumé, and preparing on the heavy-work pool, so a build's memory is about one company's
///   profiles and it never takes the threads that serve other requests.
actor CandidatePoolCache {
    private struct Entry {
        var fingerprint: String
        var pool: CandidatePool
        var bytes: Int
        var lastUse: UInt64
    }

    private struct Build {
        var fingerprint: String
        var task: Task<CandidatePool, any Error>
    }

    private let matcher: CandidateMatcher
    private let heavyWork: HeavyWork
    /// Reads the candidates and their fingerprint.
    private let store = CandidateStore()
    /// One build at a time.
    private let builder = AsyncSemaphore(limit: 1)
    /// Candidates read per query while loading.
    static let pageSize = 2_000
    /// The part of a résumé matching reads (characters from its start; a résumé may hold 100,000).
    static let maxResumeCharacters = 20_000
    /// The most bytes of prepared pools kept (`MATCH_CACHE_MB`, default 256 MiB).
    let budgetBytes: Int
    private var entries: [UUID: Entry] = [:]
    private var builds: [UUID: Build] = [:]
    private var clock: UInt64 = 0
    /// Pools built (tests count rebuilds).
    private(set) var buildCount = 0

    init(matcher: CandidateMatcher, heavyWork: HeavyWork, budgetBytes: Int = 256 << 20) {
        self.matcher = matcher
        self.heavyWork = heavyWork
        self.budgetBytes = max(1, budgetBytes)
    }

    /// Bytes of pools held now.
    var heldBytes: Int { entries.values.reduce(0) { $0 + $1.bytes } }

    /// The company's prepared pool, rebuilt from the database when its candidates changed.
    func pool(for companyID: UUID, on db: any Database) async throws -> CandidatePool {
        let fingerprint = try await store.fingerprint(of: companyID, on: db)
        clock += 1
        if var entry = entries[companyID], entry.fingerprint == fingerprint {
            entry.lastUse = clock
            entries[companyID] = entry
            return entry.pool
        }
        let task: Task<CandidatePool, any Error>
        if let build = builds[companyID], build.fingerprint == fingerprint {
            task = build.task
        } else {
            let (matcher, heavyWork, builder, store) = (self.matcher, self.heavyWork, self.builder, self.store)
            task = Task.detached(priority: .medium) {
                try await builder.withSlot {
                    let profiles = try await store.profiles(of: companyID, pageSize: Self.pageSize, maxResumeCharacters: Self.maxResumeCharacters, on: db)
                    return try await heavyWork.run { matcher.prepare(profiles) }
                }
            }
            builds[companyID] = Build(fingerprint: fingerprint, task: task)
            buildCount += 1
        }
        let pool: CandidatePool
        do {
            pool = try await task.value
        } catch {
            if builds[companyID]?.task == task { builds[companyID] = nil }
            throw error
        }
        if builds[companyID]?.task == task {
            builds[companyID] = nil
            keep(pool, fingerprint: fingerprint, for: companyID)
        }
        return pool
    }

    private func keep(_ pool: CandidatePool, fingerprint: String, for companyID: UUID) {
        let bytes = pool.estimatedBytes
        entries[companyID] = nil
        guard bytes <= budgetBytes else { return }
        var held = heldBytes
        while held + bytes > budgetBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            held -= oldest.value.bytes
            entries[oldest.key] = nil
        }
        entries[companyID] = Entry(fingerprint: fingerprint, pool: pool, bytes: bytes, lastUse: clock)
    }
}
