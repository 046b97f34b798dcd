import Foundation
import Testing
@testable import MatchingCore

@Suite struct CandidatePoolTests {
    let matcher = CandidateMatcher()

    static let jobs: [JobProfile] = [
        JobProfile(title: "Backend Engineer (Go)", description: "Kubernetes, Postgres and Kafka at scale; the team ships.",
                   skills: ["Go", "k8s", "Postgres", "AWS"], location: "Berlin, Germany", minYearsExperience: 5),
        JobProfile(title: "Frontend", description: "React and TypeScript", skills: ["React", "TS", "C/C++"], remote: true),
        JobProfile(title: "Data", description: "", skills: [], location: "New York", minYearsExperience: 2),
        JobProfile(title: "", description: "", skills: ["Cobol", "Fortran 77"], location: "Remote"),
    ]

    @Test(arguments: jobs)
    func preparedPoolRanksExactlyLikeTheDirectScan(job: JobProfile) {
        let candidates = TestCandidates.randomPool(count: 500, seed: 21)
        let pool = matcher.prepare(candidates)
        #expect(pool.count == 500)
        for (limit, minScore) in [(500, 0), (10, 0), (50, 30)] {
            #expect(matcher.rank(job: job, pool: pool, limit: limit, minScore: minScore)
                == matcher.rank(job: job, candidates: candidates, limit: limit, minScore: minScore))
        }
    }

    @Test func onePoolServesManyJobs() {
        let candidates = TestCandidates.randomPool(count: 200, seed: 8)
        let pool = matcher.prepare(candidates)
        let results = Self.jobs.map { matcher.rank(job: $0, pool: pool, limit: 5) }
        #expect(results.allSatisfy { $0.count == 5 })
        #expect(results[0] != results[1])
    }
}
