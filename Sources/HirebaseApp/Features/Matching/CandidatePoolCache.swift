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
/// - **No head-of-line blocking:** loading and preparing run outside the actor, one build per
///   company at a time (concurrent calls for the same company share it), so one company's large
///   build never delays another company's match.
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
    /// The most bytes of prepared pools kept (`MATCH_CACHE_MB`, default 256 MiB).
    let budgetBytes: Int
    private var entries: [UUID: Entry] = [:]
    private var builds: [UUID: Build] = [:]
    private var clock: UInt64 = 0
    /// Pools built (tests count rebuilds).
    private(set) var buildCount = 0

    init(matcher: CandidateMatcher, budgetBytes: Int = 256 << 20) {
        self.matcher = matcher
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
            let matcher = self.matcher
            task = Task.detached(priority: .medium) {
                matcher.prepare(try await Self.profiles(of: companyID, on: db))
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

    /// The fields matching reads of every candidate of the company (no e-mail, no creator).
    private static func profiles(of companyID: UUID, on db: any Database) async throws -> [CandidateProfile] {
        try await Candidate.query(on: db).filter(\.$companyID == companyID)
            .field(\.$id).field(\.$name).field(\.$headline).field(\.$skillList).field(\.$yearsExperience)
            .field(\.$location).field(\.$resumeText)
            .all()
            .compactMap { candidate in
                guard let id = candidate.id else { return nil }
                return CandidateProfile(id: id, name: candidate.name, headline: candidate.headline, skills: candidate.skills,
                                        yearsExperience: candidate.yearsExperience, location: candidate.location, resumeText: candidate.resumeText)
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
