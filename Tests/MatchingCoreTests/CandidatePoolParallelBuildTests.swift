import Foundation
import Testing
@testable import MatchingCore

/// A pool built with its text tokenized in concurrent parts is the pool a single pass builds:
/// the same term numbers (new words numbered in the order a single pass meets them, whichever
/// part met them), postings, counts and lengths, page after page.
@Suite struct CandidatePoolParallelBuildTests {
    /// Random profiles plus words new in every candidate, words shared across parts, and one
    /// word counted past `UInt16.max` in one résumé (the large-count side table).
    static func profiles() -> [CandidateProfile] {
        TestCandidates.randomPool(count: 3_000, seed: 77).enumerated().map { number, profile in
            var profile = profile
            var extra = " unique\(number)word shared\(number % 13) the Kafka"
            if number == 1_234 { extra += String(repeating: " ledger", count: Int(UInt16.max) + 5) }
            profile.resumeText = (profile.resumeText ?? "") + extra
            return profile
        }
    }

    static func build(_ profiles: [CandidateProfile], parts: Int, pages: Int) -> CandidatePool {
        var builder = CandidatePool.Builder(expectedCount: profiles.count, parts: parts)
        for range in Parallel.ranges(count: profiles.count, parts: pages) { builder.add(contentsOf: profiles[range]) }
        return builder.finish()
    }

    @Test(arguments: [2, 3, 8])
    func partsBuildTheSamePool(parts: Int) {
        let profiles = Self.profiles()
        let single = Self.build(profiles, parts: 1, pages: 3).base
        let parallel = Self.build(profiles, parts: parts, pages: 3).base
        #expect(parallel.ids == single.ids)
        #expect(parallel.vocabulary.count == single.vocabulary.count)
        #expect(parallel.termPostingStart == single.termPostingStart)
        #expect(parallel.termPostingDocs == single.termPostingDocs)
        #expect(parallel.termPostingCounts == single.termPostingCounts)
        #expect(parallel.termPostingLargeCounts == single.termPostingLargeCounts)
        #expect(!single.termPostingLargeCounts.isEmpty)
        #expect(parallel.documentLength == single.documentLength)
        #expect(parallel.totalLength == single.totalLength)
        #expect(parallel.skillPostings == single.skillPostings)
        #expect(parallel.placeNumber == single.placeNumber)
        for word in ["unique2999word", "shared12", "ledger", "kafka", "the"] {
            #expect(parallel.vocabulary.value(for: word) == single.vocabulary.value(for: word), "\(word)")
        }
    }

    @Test func aParallelBuildRanksLikeTheDirectScan() throws {
        let profiles = Self.profiles()
        let matcher = CandidateMatcher()
        let pool = Self.build(profiles, parts: 2, pages: 4)
        for job in CandidatePoolTests.jobs + [JobProfile(title: "ledger", description: "unique17word shared3 kafka", skills: ["Kafka"])] {
            #expect(matcher.rank(job: job, pool: pool, limit: 50) == matcher.rank(job: job, candidates: profiles, limit: 50))
        }
    }
}
