import Foundation
import Testing
@testable import MatchingCore

/// A pool updated in place of a rebuild (`CandidatePool.updating`) must rank exactly like a pool
/// built from scratch over the same candidates: same results, same scores, same BM25 statistics.
@Suite struct CandidatePoolUpdateTests {
    let matcher = CandidateMatcher()

    /// Applies `steps` random batches of edits (new candidates, changed ones, removed ones, from
    /// the base and from earlier edits alike), checking after every batch.
    @Test(arguments: [(seed: UInt64(3), steps: 25), (seed: 77, steps: 25), (seed: 1_234, steps: 10)])
    func randomEditsRankExactlyLikeARebuild(seed: UInt64, steps: Int) {
        var random = TestCandidates.Random(seed: seed)
        let initial = TestCandidates.randomPool(count: 300, seed: seed)
        // Fresh profiles to take content (and new ids) from.
        let donors = TestCandidates.randomPool(count: 400, seed: seed &+ 1)
        var donorIndex = 0
        func donor() -> CandidateProfile {
            defer { donorIndex = (donorIndex + 1) % donors.count }
            return donors[donorIndex]
        }
        var current = Dictionary(uniqueKeysWithValues: initial.map { ($0.id, $0) })
        var pool = matcher.prepare(initial)

        for step in 0..<steps {
            var upserting: [CandidateProfile] = []
            var removing: [UUID] = []
            for _ in 0..<(1 + random.below(6)) {
                let ids = current.keys.sorted { $0.uuidString < $1.uuidString }
                let kind = random.below(4)
                if kind == 0 || ids.isEmpty {
                    let added = donor()
                    upserting.append(CandidateProfile(id: UUID(uuid: random.uuidBytes()), name: added.name, headline: added.headline,
                                                      skills: added.skills, yearsExperience: added.yearsExperience,
                                                      location: added.location, resumeText: added.resumeText))
                } else if kind == 1 {
                    removing.append(ids[random.below(ids.count)])
                } else {
                    // A change of content under the same id (sometimes only the résumé's length).
                    var changed = donor()
                    changed.id = ids[random.below(ids.count)]
                    if random.below(3) == 0 { changed.resumeText = (current[changed.id]?.resumeText ?? "") + " kafka kafka the" }
                    upserting.append(changed)
                }
            }
            // An id both removed and upserted is upserted (documented), and the last upsert wins.
            for id in removing where !upserting.contains(where: { $0.id == id }) { current[id] = nil }
            for profile in upserting { current[profile.id] = profile }
            pool = pool.updating(upserting: upserting, removing: removing)

            let profiles = Array(current.values)
            let rebuilt = matcher.prepare(profiles)
            #expect(pool.count == current.count, "step \(step)")
            #expect(Set(pool.candidateIDs) == Set(current.keys), "step \(step)")
            #expect(pool.totalLength == rebuilt.totalLength, "step \(step)")
            for id in current.keys {
                #expect(pool.lengthNorm(of: id) == rebuilt.lengthNorm(of: id), "step \(step)")
            }
            for job in CandidatePoolTests.jobs {
                let terms = JobQuery(job: job, aliases: pool.aliases, places: pool.places).terms
                #expect(terms.map(pool.documentFrequency(of:)) == terms.map(rebuilt.documentFrequency(of:)), "step \(step)")
                let incremental = matcher.rank(job: job, pool: pool, limit: 1_000)
                #expect(incremental == matcher.rank(job: job, pool: rebuilt, limit: 1_000), "step \(step)")
                #expect(incremental == matcher.rank(job: job, candidates: profiles, limit: 1_000), "step \(step)")
                #expect(matcher.rank(job: job, pool: pool, limit: 7, minScore: 20)
                    == matcher.rank(job: job, pool: rebuilt, limit: 7, minScore: 20), "step \(step)")
            }
        }
    }

    @Test func theOldPoolIsUnchangedByAnUpdate() {
        let candidates = TestCandidates.randomPool(count: 50, seed: 5)
        let pool = matcher.prepare(candidates)
        let before = matcher.rank(job: CandidatePoolTests.jobs[0], pool: pool, limit: 50)
        let updated = pool.updating(upserting: [CandidateProfile(id: TestCandidates.id(1), skills: ["Go", "k8s"])],
                                    removing: [candidates[0].id, candidates[1].id])
        #expect(updated.count == 49)
        #expect(!updated.contains(candidates[0].id))
        #expect(updated.contains(TestCandidates.id(1)))
        #expect(pool.count == 50)
        #expect(matcher.rank(job: CandidatePoolTests.jobs[0], pool: pool, limit: 50) == before)
    }

    @Test func removingEveryCandidateLeavesAnEmptyPool() {
        let candidates = TestCandidates.randomPool(count: 20, seed: 9)
        let empty = matcher.prepare(candidates).updating(upserting: [], removing: candidates.map(\.id))
        #expect(empty.count == 0)
        #expect(matcher.rank(job: CandidatePoolTests.jobs[0], pool: empty, limit: 10).isEmpty)
        let one = empty.updating(upserting: [candidates[3]])
        #expect(matcher.rank(job: CandidatePoolTests.jobs[0], pool: one, limit: 10)
            == matcher.rank(job: CandidatePoolTests.jobs[0], candidates: [candidates[3]], limit: 10))
    }

    @Test func aPoolBuiltInPagesEqualsOneBuiltAtOnce() {
        let candidates = TestCandidates.randomPool(count: 230, seed: 12)
        var builder = CandidatePool.Builder(expectedCount: candidates.count)
        for start in stride(from: 0, to: candidates.count, by: 50) {
            builder.add(contentsOf: candidates[start..<min(start + 50, candidates.count)])
        }
        let paged = builder.finish()
        for job in CandidatePoolTests.jobs {
            #expect(matcher.rank(job: job, pool: paged, limit: 300) == matcher.rank(job: job, candidates: candidates, limit: 300))
        }
    }

    /// Counts are stored in 16 bits with an escape for larger ones; a word 70,000 times in one
    /// résumé must still score with its real count.
    @Test func aWordRepeatedMoreThan65535TimesKeepsItsCount() {
        var candidates = TestCandidates.randomPool(count: 30, seed: 4)
        candidates[0].resumeText = String(repeating: "kafka ", count: 70_000) + "postgres"
        candidates[1].resumeText = String(repeating: "kafka ", count: 65_535)
        let job = JobProfile(title: "Kafka", description: "Kafka and Postgres", skills: [])
        let pool = matcher.prepare(candidates)
        #expect(matcher.rank(job: job, pool: pool, limit: 30) == matcher.rank(job: job, candidates: candidates, limit: 30))
        let updated = pool.updating(upserting: [candidates[0]])
        #expect(matcher.rank(job: job, pool: updated, limit: 30) == matcher.rank(job: job, candidates: candidates, limit: 30))
    }
}
