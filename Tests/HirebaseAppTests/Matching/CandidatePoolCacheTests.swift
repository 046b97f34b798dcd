import Fluent
import Foundation
import MatchingCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// The prepared pool follows the database by updates, not rebuilds, and sees every change made
/// through any instance on the next call.
@Suite("Matching: prepared pools kept up to date")
struct CandidatePoolCacheTests {
    static let job = JobProfile(title: "Backend engineer", description: "Go services on Kubernetes with Kafka",
                                skills: ["Go", "Kubernetes", "Kafka"])

    /// Ranks `pool` and a pool built afresh from the database (another cache: a full build) and
    /// expects the same results, scores included.
    private func expectSameAsARebuild(_ pool: CandidatePool, _ app: Application, company: UUID,
                                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let fresh = try await CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork).pool(for: company, on: app.db)
        let matcher = app.hirebase.matcher
        #expect(pool.count == fresh.count, sourceLocation: sourceLocation)
        #expect(matcher.rank(job: Self.job, pool: pool, limit: 100) == matcher.rank(job: Self.job, pool: fresh, limit: 100),
                sourceLocation: sourceLocation)
    }

    @Test(arguments: TestDatabase.all)
    func changesFromAnyInstanceAreAppliedWithoutARebuild(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<6 {
                ids.append(try await scenario.candidate(app, email: "c\(index)@example.com", name: "C\(index)", skills: index % 2 == 0 ? ["Go"] : ["Excel"],
                                                        extra: ["resumeText": "built services in go and kafka, team \(index)"]))
            }
            let cache = app.hirebase.candidatePools
            let first = try await cache.pool(for: company, on: app.db)
            #expect(first.count == 6)
            #expect(await cache.buildCount == 1)

            // Through this instance's API.
            let patched = try await app.send(.PATCH, "/candidates/\(ids[1])", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"], "resumeText": "kubernetes kubernetes kafka"]))
            #expect(patched.status == .ok)
            let afterPatch = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(afterPatch, app, company: company)
            let best = try await app.send(.POST, "/match-candidates", as: scenario.recruiter, json: JSON(["jobId": try await scenario.job(app, skills: ["Go", "Kubernetes", "Kafka"])]))
            #expect((best.json["results"] as? [[String: Any]])?.first?["candidateId"] as? String == ids[1])

            // As another instance would: rows written straight to the shared database, behind
            // this instance's services (a change, a new candidate, a deletion).
            let other = try #require(try await Candidate.find(UUID(uuidString: ids[2]), on: app.db))
            other.resumeText = "kafka kafka kafka go go kubernetes"
            try await other.update(on: app.db)
            let added = Candidate()
            added.companyID = company
            added.email = "other@example.com"
            added.emailKey = "other@example.com"
            added.name = "From elsewhere"
            added.skills = ["golang", "k8s"]
            added.resumeText = "a word nobody used before: zyzzyva"
            added.createdBy = scenario.recruiter.id
            added.createdAtMicros = 1
            try await added.create(on: app.db)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$id), .equal, SQLBind(UUID(uuidString: ids[4])!)).run()
            let afterOthers = try await cache.pool(for: company, on: app.db)
            #expect(afterOthers.count == 6)
            #expect(afterOthers.contains(try #require(added.id)))
            #expect(!afterOthers.contains(UUID(uuidString: ids[4])!))
            try await expectSameAsARebuild(afterOthers, app, company: company)

            // A write that commits after a newer one was seen, stamped a little earlier (another
            // instance's clock behind, or a slow transaction): within the change window, still seen.
            let late = try #require(try await Candidate.find(UUID(uuidString: ids[3]), on: app.db))
            let stamp = try #require(try await Candidate.find(added.id, on: app.db)?.updatedAt).addingTimeInterval(-5)
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$skillList), to: SQLBind(JSONList(items: ["Go", "Kafka"])))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(stamp))
                .where(Candidate.column(\.$id), .equal, SQLBind(try #require(late.id)))
                .run()
            let afterLate = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(afterLate, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: afterLate, limit: 10).first { $0.candidateId == late.id }?.matchedSkills.count == 2)

            // Nothing changed: the same pool, no update.
            let updates = await cache.updateCount
            #expect(try await cache.pool(for: company, on: app.db).isSameVersion(as: afterLate))
            #expect(await cache.updateCount == updates)
            #expect(updates >= 3)
            #expect(await cache.buildCount == 1)
        }
    }

    /// An instance whose clock runs ahead (here an hour) stamps a candidate in the future. The
    /// pool's watermark must not follow it there: the changes written afterwards by instances
    /// with the right time (stamped now, long "before" that watermark) must still be seen.
    @Test(arguments: TestDatabase.all)
    func aCandidateStampedInTheFutureDoesNotBlindThePool(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<3 {
                ids.append(try await scenario.candidate(app, email: "f\(index)@example.com", name: "F\(index)", skills: ["Excel"]))
            }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == 3)
            try await app.db.sql.update(Candidate.schema)
                .set(Candidate.column(\.$resumeText), to: SQLBind("spreadsheets"))
                .set(Candidate.column(\.$updatedAt), to: SQLBind(Date().addingTimeInterval(3600)))
                .where(Candidate.column(\.$id), .equal, SQLBind(UUID(uuidString: ids[0])!))
                .run()
            _ = try await cache.pool(for: company, on: app.db)
            let patched = try await app.send(.PATCH, "/candidates/\(ids[1])", as: scenario.recruiter,
                                             json: JSON(["skills": ["Go", "Kubernetes", "Kafka"]]))
            #expect(patched.status == .ok)
            let pool = try await cache.pool(for: company, on: app.db)
            try await expectSameAsARebuild(pool, app, company: company)
            #expect(app.hirebase.matcher.rank(job: Self.job, pool: pool, limit: 10).first?.candidateId == UUID(uuidString: ids[1]))
        }
    }

    /// Matches racing a burst of edits (the cache's calls interleave at every await): once the
    /// burst is over, the next call ranks as a rebuild does.
    @Test(arguments: TestDatabase.all)
    func matchesDuringABurstOfEditsEndUpToDate(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            var ids: [String] = []
            for index in 0..<12 {
                ids.append(try await scenario.candidate(app, email: "b\(index)@example.com", name: "B\(index)", skills: ["Excel"]))
            }
            let cache = app.hirebase.candidatePools
            _ = try await cache.pool(for: company, on: app.db)
            let skills = [["Go"], ["Go", "Kafka"], ["Kubernetes"], ["Go", "Kubernetes", "Kafka"], ["Excel"]]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<36 {
                    let id = ids[round % ids.count]
                    group.addTask {
                        let patched = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter,
                                                         json: JSON(["skills": skills[round % skills.count], "resumeText": "round \(round) kafka go"]))
                        #expect(patched.status == .ok)
                    }
                    if round % 3 == 0 { group.addTask { _ = try await cache.pool(for: company, on: app.db) } }
                }
                try await group.waitForAll()
            }
            try await expectSameAsARebuild(try await cache.pool(for: company, on: app.db), app, company: company)
        }
    }

    @Test func deletingEveryCandidateEmptiesThePool() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let company = try #require(UUID(uuidString: scenario.companyID))
            for index in 0..<3 { _ = try await scenario.candidate(app, email: "d\(index)@example.com") }
            let cache = app.hirebase.candidatePools
            #expect(try await cache.pool(for: company, on: app.db).count == 3)
            try await app.db.sql.delete(from: Candidate.schema).where(Candidate.column(\.$companyID), .equal, SQLBind(company)).run()
            #expect(try await cache.pool(for: company, on: app.db).count == 0)
            _ = try await scenario.candidate(app, email: "again@example.com")
            #expect(try await cache.pool(for: company, on: app.db).count == 1)
            #expect(await cache.buildCount == 1)
        }
    }
}
