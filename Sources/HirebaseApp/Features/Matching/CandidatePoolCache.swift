import Fluent
import Foundation
import MatchingCore
import SQLKit

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
        let fingerprint = try await Self.fingerprint(of: companyID, on: db)
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
            let (matcher, heavyWork, builder) = (self.matcher, self.heavyWork, self.builder)
            task = Task.detached(priority: .medium) {
                try await builder.withSlot {
                    let profiles = try await Self.profiles(of: companyID, on: db)
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

    /// The fields matching reads of every candidate of the company (no e-mail, no creator), in
    /// pages by id, résumés cut to `maxResumeCharacters`.
    private static func profiles(of companyID: UUID, on db: any Database) async throws -> [CandidateProfile] {
        var profiles: [CandidateProfile] = []
        var after: UUID?
        while true {
            var query = Candidate.query(on: db).filter(\.$companyID == companyID)
            if let after { query = query.filter(\.$id > after) }
            let page = try await query
                .field(\.$id).field(\.$name).field(\.$headline).field(\.$skillList).field(\.$yearsExperience)
                .field(\.$location).field(\.$resumeText)
                .sort(\.$id).limit(pageSize).all()
            for candidate in page {
                guard let id = candidate.id else { continue }
                profiles.append(CandidateProfile(id: id, name: candidate.name, headline: candidate.headline, skills: candidate.skills,
                                                 yearsExperience: candidate.yearsExperience, location: candidate.location,
                                                 resumeText: candidate.resumeText.map { String($0.prefix(maxResumeCharacters)) }))
            }
            guard page.count == pageSize, let last = page.last?.id else { return profiles }
            after = last
        }
    }

    /// Count, newest creation and newest update of the company's candidates (no deletes exist),
    /// in one query.
    private static func fingerprint(of companyID: UUID, on db: any Database) async throws -> String {
        let row = try await db.sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .column(SQLFunction("MAX", args: SQLColumn("created_at_us")), as: "created")
            .column(SQLFunction("MAX", args: SQLColumn("updated_at")), as: "updated")
            .from(Candidate.schema)
            .where("company_id", .equal, SQLBind(companyID))
            .first()
        guard let row else { return "0" }
        let count = try row.decode(column: "n", as: Int.self)
        let created = try row.decode(column: "created", as: Int64?.self) ?? 0
        // PostgreSQL answers a timestamp; SQLite the number Fluent stored.
        let updated: Double
        if let date = try? row.decode(column: "updated", as: Date?.self) {
            updated = date.timeIntervalSince1970
        } else {
            updated = (try? row.decode(column: "updated", as: Double?.self)) ?? 0
        }
        return "\(count)|\(created)|\(updated)"
    }
}
