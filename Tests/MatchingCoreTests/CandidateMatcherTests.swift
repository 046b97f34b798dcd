import Foundation
import Testing
@testable import MatchingCore

@Suite struct CandidateMatcherTests {
    let matcher = CandidateMatcher()

    /// Onsite in Berlin, 5 years, four skills written as aliases.
    let backendJob = JobProfile(
        title: "Backend Engineer",
        description: "Build services.",
        skills: ["Go", "k8s", "Postgres", "AWS"],
        location: "Berlin, Germany",
        remote: false,
        minYearsExperience: 5
    )

    @Test func moreRequiredSkillsRankHigher() {
        let all = CandidateProfile(id: TestCandidates.id(3), skills: ["golang", "Kubernetes", "PostgreSQL", "Amazon Web Services"])
        let half = CandidateProfile(id: TestCandidates.id(1), skills: ["Go", "AWS"])
        let none = CandidateProfile(id: TestCandidates.id(2), skills: ["PHP"])
        let results = matcher.rank(job: backendJob, candidates: [none, half, all], limit: 10)
        #expect(results.map(\.candidateId) == [all.id, half.id, none.id])
        #expect(results[0].matchedSkills == ["Go", "Kubernetes", "PostgreSQL", "AWS"])
        #expect(results[0].missingSkills.isEmpty)
        #expect(results[1].matchedSkills == ["Go", "AWS"])
        #expect(results[1].missingSkills == ["Kubernetes", "PostgreSQL"])
    }

    /// No candidate has text, so text drops out: score = (0.55·skills + 0.15·experience + 0.10·place) / 0.80.
    @Test func scoreCombinesTheDocumentedWeights() {
        let candidate = CandidateProfile(
            id: TestCandidates.id(1),
            skills: ["go", "k8s", "psql"],
            yearsExperience: 3,
            location: "Munich, Germany"
        )
        let result = matcher.rank(job: backendJob, candidates: [candidate], limit: 1)
        // (0.55·3/4 + 0.15·3/5 + 0.10·0.6) / 0.80 = 0.703
        #expect(result.first?.score == 70)
        #expect(result.first?.explanation
            == "Matches 3 of 4 required skills (missing AWS); 3 years of experience for a 5-year role; in the same region or country as Berlin, Germany (onsite role).")
    }

    @Test func explanationNamesMissingSkillsExperienceAndRemote() {
        let job = JobProfile(
            title: "Platform Engineer",
            skills: ["Go", "Kubernetes", "Terraform", "AWS", "Postgres"],
            remote: true,
            minYearsExperience: 5
        )
        let candidate = CandidateProfile(id: TestCandidates.id(1), skills: ["Go", "Terraform", "AWS", "PostgreSQL"], yearsExperience: 6)
        let result = matcher.rank(job: job, candidates: [candidate], limit: 1).first
        #expect(result?.explanation == "Matches 4 of 5 required skills (missing Kubernetes); 6 years of experience for a 5-year role; remote role.")
        #expect(result?.missingSkills == ["Kubernetes"])
    }

    @Test(arguments: [
        ([String](), [String](), "No required skills listed"),
        (["Go"], [], "Matches the required skill (Go)"),
        (["Go", "Rust"], [], "Matches all 2 required skills"),
        ([], ["Go"], "Lacks the required skill (Go)"),
        ([], ["Go", "Rust"], "Matches none of 2 required skills (missing Go and Rust)"),
        (["Go"], ["Rust", "C", "C++", "Java"], "Matches 1 of 5 required skills (missing Rust, C, C++ and 1 more)"),
        (["Go"], ["Rust", "C", "C++"], "Matches 1 of 4 required skills (missing Rust, C and C++)"),
    ])
    func skillClausesReadNaturally(matched: [String], missing: [String], clause: String) {
        #expect(MatchExplanation.skillsClause(matched: matched, missing: missing) == clause)
    }

    @Test func experienceClauseHandlesMissingDataAndFractions() {
        #expect(MatchExplanation.experienceClause(years: .nan, minimum: nil) == nil)
        #expect(MatchExplanation.experienceClause(years: 1, minimum: nil) == "1 year of experience")
        #expect(MatchExplanation.experienceClause(years: 2.5, minimum: 3) == "2.5 years of experience for a 3-year role")
        #expect(MatchExplanation.experienceClause(years: .nan, minimum: 5) == "experience not stated for a 5-year role")
    }

    @Test func locationFitOrdersSameCitySameCountryElsewhere() {
        let job = JobProfile(title: "Engineer", location: "Berlin, Germany")
        let city = CandidateProfile(id: TestCandidates.id(4), location: "Berlin")
        let country = CandidateProfile(id: TestCandidates.id(3), location: "Hamburg, Deutschland")
        let unknown = CandidateProfile(id: TestCandidates.id(2))
        let elsewhere = CandidateProfile(id: TestCandidates.id(1), location: "Paris, France")
        let results = matcher.rank(job: job, candidates: [elsewhere, unknown, country, city], limit: 10)
        #expect(results.map(\.candidateId) == [city.id, country.id, unknown.id, elsewhere.id])
        #expect(results.map(\.score) == [100, 60, 50, 0])
        #expect(results[0].explanation == "No required skills listed; located in Berlin, Germany (onsite role).")
        #expect(results[3].explanation == "No required skills listed; not located in Berlin, Germany (onsite role).")
    }

    @Test func remoteJobFitsEveryLocation() {
        let job = JobProfile(title: "Engineer", skills: ["Go"], location: "Berlin, Germany", remote: true)
        let berlin = CandidateProfile(id: TestCandidates.id(1), skills: ["Go"], location: "Berlin")
        let paris = CandidateProfile(id: TestCandidates.id(2), skills: ["Go"], location: "Paris, France")
        let nowhere = CandidateProfile(id: TestCandidates.id(3), skills: ["Go"])
        let scores = matcher.rank(job: job, candidates: [berlin, paris, nowhere], limit: 10).map(\.score)
        #expect(scores == [100, 100, 100])
    }

    @Test func missingYearsAreNeutral() {
        let job = JobProfile(title: "Engineer", minYearsExperience: 4)
        let senior = CandidateProfile(id: TestCandidates.id(1), yearsExperience: 10)
        let unknown = CandidateProfile(id: TestCandidates.id(2))
        let junior = CandidateProfile(id: TestCandidates.id(3), yearsExperience: 1)
        let results = matcher.rank(job: job, candidates: [junior, unknown, senior], limit: 10)
        #expect(results.map(\.score) == [100, 50, 25])
    }

    @Test func equalScoresAreOrderedByIdString() {
        let ids = [TestCandidates.id(30), TestCandidates.id(4), TestCandidates.id(200), UUID(uuidString: "F0000000-0000-0000-0000-000000000000")!, UUID(uuidString: "0A000000-0000-0000-0000-000000000000")!]
        let candidates = ids.map { CandidateProfile(id: $0, skills: ["Go"]) }
        let results = matcher.rank(job: backendJob, candidates: candidates, limit: 10)
        #expect(Set(results.map(\.score)).count == 1)
        #expect(results.map(\.candidateId.uuidString) == ids.map(\.uuidString).sorted())
    }

    @Test func sameInputGivesSameResultsInAnyOrder() {
        let pool = TestCandidates.randomPool(count: 400, seed: 7)
        let first = matcher.rank(job: backendJob, candidates: pool, limit: 400)
        let again = matcher.rank(job: backendJob, candidates: pool, limit: 400)
        var random = TestCandidates.Random(seed: 99)
        var shuffled = pool
        shuffled.shuffle(using: &random)
        let reordered = matcher.rank(job: backendJob, candidates: shuffled, limit: 400)
        #expect(first == again)
        #expect(first == reordered)
    }

    @Test func parallelRankingEqualsSingleThreaded() {
        let pool = TestCandidates.randomPool(count: CandidateMatcher.parallelThreshold + 1_000, seed: 11)
        let serial = CandidateMatcher(aliases: .bundled, places: .bundled, weights: .standard, maxThreads: 1)
        let parallel = CandidateMatcher(aliases: .bundled, places: .bundled, weights: .standard, maxThreads: 4)
        #expect(serial.rank(job: backendJob, candidates: pool, limit: 100) == parallel.rank(job: backendJob, candidates: pool, limit: 100))
        #expect(serial.rank(job: backendJob, pool: serial.prepare(pool), limit: 100)
            == parallel.rank(job: backendJob, pool: parallel.prepare(pool), limit: 100))
    }

    @Test func namesAndEmailsNeverChangeTheScore() {
        let pool = TestCandidates.randomPool(count: 300, seed: 3)
        var renamed = pool
        for index in renamed.indices {
            renamed[index].name = "Someone Else \(index)"
            renamed[index].resumeText = renamed[index].resumeText.map {
                "person\(index)@mail.example \($0) https://example.com/~person\(index)"
            }
        }
        let original = matcher.rank(job: backendJob, candidates: pool, limit: 300)
        let changed = matcher.rank(job: backendJob, candidates: renamed, limit: 300)
        let strip = { (results: [MatchResult]) in results.map { result -> MatchResult in
            var copy = result
            copy.name = ""
            return copy
        } }
        #expect(strip(original) == strip(changed))
        #expect(changed.allSatisfy { $0.name.hasPrefix("Someone Else") })
    }

    @Test func nameIsCopiedToTheResult() {
        let candidate = CandidateProfile(id: TestCandidates.id(1), name: "Ada Lovelace", skills: ["Go"])
        #expect(matcher.rank(job: backendJob, candidates: [candidate], limit: 1).first?.name == "Ada Lovelace")
    }

    @Test func limitKeepsTheBestResults() {
        let pool = TestCandidates.randomPool(count: 200, seed: 5)
        let all = matcher.rank(job: backendJob, candidates: pool, limit: 200)
        let top = matcher.rank(job: backendJob, candidates: pool, limit: 7)
        #expect(all.count == 200)
        #expect(top == Array(all.prefix(7)))
        #expect(matcher.rank(job: backendJob, candidates: pool, limit: 0).isEmpty)
        #expect(matcher.rank(job: backendJob, candidates: pool, limit: 1_000).count == 200)
    }

    @Test func minScoreDropsLowerScores() {
        let pool = TestCandidates.randomPool(count: 200, seed: 5)
        let all = matcher.rank(job: backendJob, candidates: pool, limit: 200)
        let filtered = matcher.rank(job: backendJob, candidates: pool, limit: 200, minScore: 40)
        #expect(filtered == all.filter { $0.score >= 40 })
        #expect(!filtered.isEmpty && filtered.count < all.count)
        #expect(matcher.rank(job: backendJob, candidates: pool, limit: 200, minScore: 101).isEmpty)
    }

    @Test func scoresStayWithinZeroToHundred() {
        let pool = TestCandidates.randomPool(count: 500, seed: 13)
        let results = matcher.rank(job: backendJob, candidates: pool, limit: 500)
        #expect(results.allSatisfy { (0...100).contains($0.score) })
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test func emptyPoolGivesNoResults() {
        #expect(matcher.rank(job: backendJob, candidates: [], limit: 20).isEmpty)
        #expect(matcher.rank(job: backendJob, pool: matcher.prepare([]), limit: 20).isEmpty)
        #expect(matcher.prepare([]).count == 0)
    }

    @Test func jobWithoutSkillsRanksOnTheOtherSignals() {
        let job = JobProfile(title: "Kafka engineer", skills: [], minYearsExperience: 3)
        let fit = CandidateProfile(id: TestCandidates.id(2), skills: ["Go"], yearsExperience: 4, resumeText: "Kafka pipelines")
        let unfit = CandidateProfile(id: TestCandidates.id(1), skills: ["Go"], yearsExperience: 1, resumeText: "Cooking")
        let results = matcher.rank(job: job, candidates: [unfit, fit], limit: 10)
        #expect(results.map(\.candidateId) == [fit.id, unfit.id])
        #expect(results[0].score == 100)
        #expect(results.allSatisfy { $0.matchedSkills.isEmpty && $0.missingSkills.isEmpty })
        #expect(results[0].explanation == "No required skills listed; 4 years of experience for a 3-year role; onsite role.")
    }

    @Test func jobDefiningNoSignalScoresEveryoneZero() {
        let results = matcher.rank(
            job: JobProfile(title: ""),
            candidates: [CandidateProfile(id: TestCandidates.id(2)), CandidateProfile(id: TestCandidates.id(1))],
            limit: 10
        )
        #expect(results.map(\.score) == [0, 0])
        #expect(results.map(\.candidateId) == [TestCandidates.id(1), TestCandidates.id(2)])
    }

    @Test func duplicateJobSkillsCountOnce() {
        let job = JobProfile(title: "Web", skills: ["JS", "JavaScript", "javascript"])
        let candidate = CandidateProfile(id: TestCandidates.id(1), skills: ["js", "JS"])
        let result = matcher.rank(job: job, candidates: [candidate], limit: 1).first
        #expect(result?.matchedSkills == ["JavaScript"])
        #expect(result?.score == 100)
    }

    @Test func textMentionsOfAliasesCountForRelevance() {
        let job = JobProfile(title: "Kubernetes operator", skills: [])
        let alias = CandidateProfile(id: TestCandidates.id(1), resumeText: "Ran k8s clusters")
        let unrelated = CandidateProfile(id: TestCandidates.id(2), resumeText: "Ran kitchens")
        let results = matcher.rank(job: job, candidates: [unrelated, alias], limit: 10)
        #expect(results.first?.candidateId == alias.id)
        #expect(results.first!.score > results.last!.score)
    }

    @Test func weightsCanBeChanged() {
        let skillsOnly = CandidateMatcher(weights: MatchWeights(skills: 1, experience: 0, location: 0, text: 0))
        let candidate = CandidateProfile(id: TestCandidates.id(1), skills: ["Go", "AWS"], yearsExperience: 0, location: "Paris")
        #expect(skillsOnly.rank(job: backendJob, candidates: [candidate], limit: 1).first?.score == 50)
    }
}
