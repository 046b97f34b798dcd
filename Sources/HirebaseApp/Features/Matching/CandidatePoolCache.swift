import Fluent
import Foundation
import MatchingCore

/// Prepared candidate pools per company, reused while the company's candidates are unchanged.
///
/// Freshness is checked against the database on every use (candidate count and latest change),
/// so a change made through any instance is seen at once; only the preparation is cached. At
/// most `capacity` companies are kept, least recently used dropped first.
actor CandidatePoolCache {
    private struct Entry {
        var fingerprint: String
        var pool: CandidatePool
        var lastUse: UInt64
    }

    private let matcher: CandidateMatcher
    private let capacity: Int
    private var entries: [UUID: Entry] = [:]
    private var clock: UInt64 = 0

    init(matcher: CandidateMatcher, capacity: Int = 16) {
        self.matcher = matcher
        self.capacity = capacity
    }

    /// The company's prepared pool, rebuilt from the database when its candidates changed.
    func pool(for companyID: UUID, on db: any Database) async throws -> CandidatePool {
        let fingerprint = try await Self.fingerprint(of: companyID, on: db)
        clock += 1
        if var entry = entries[companyID], entry.fingerprint == fingerprint {
            entry.lastUse = clock
            entries[companyID] = entry
            return entry.pool
        }
        let candidates = try await Candidate.query(on: db).filter(\.$companyID == companyID).all()
        let profiles = candidates.compactMap { candidate -> CandidateProfile? in
            guard let id = candidate.id else { return nil }
            return CandidateProfile(id: id, name: candidate.name, headline: candidate.headline, skills: candidate.skills,
                                    yearsExperience: candidate.yearsExperience, location: candidate.location, resumeText: candidate.resumeText)
        }
        let pool = matcher.prepare(profiles)
        entries[companyID] = Entry(fingerprint: fingerprint, pool: pool, lastUse: clock)
        if entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        return pool
    }

    /// Count, newest creation and newest update of the company's candidates (no deletes exist).
    private static func fingerprint(of companyID: UUID, on db: any Database) async throws -> String {
        let count = try await Candidate.query(on: db).filter(\.$companyID == companyID).count()
        let created = try await Candidate.query(on: db).filter(\.$companyID == companyID).max(\.$createdAtMicros)
        let updated = try await Candidate.query(on: db).filter(\.$companyID == companyID).max(\.$updatedAt)
        return "\(count)|\(created ?? 0)|\(updated?.timeIntervalSince1970 ?? 0)"
    }
}
