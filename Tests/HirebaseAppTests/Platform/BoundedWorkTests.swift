import Fluent
import Foundation
import MatchingCore
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// Issue 7 §§ 8-10: what one caller can make the server store or compute is bounded.
@Suite("Bounded work: CSRF tokens per user, histories, expiry scope, time limits, pool memory")
struct BoundedWorkTests {
    @Test(arguments: TestDatabase.all)
    func liveCSRFTokensPerUserAreCappedOldestFirst(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            var tokens: [String] = []
            for _ in 0..<25 { tokens.append(try await scenario.csrf(app)) }
            let other = try await scenario.csrf(app, for: TestUser("other"))

            let live = try await CSRFToken.query(on: app.db).filter(\.$userID == scenario.recruiter.id).filter(\.$usedAt == nil).count()
            #expect(live == 20)
            // The oldest five were dropped; the newest works; another user's token is untouched.
            let oldest = try await app.send(.POST, "/assessments/invitations/\(UUID())/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": tokens[0]])
            #expect(oldest.code == "csrf_token_invalid")
            let newest = try await app.send(.POST, "/assessments/invitations/\(UUID())/cancel", as: scenario.recruiter, headers: ["X-CSRF-Token": tokens[24]])
            #expect(newest.status == .notFound)
            #expect(try await CSRFToken.query(on: app.db).filter(\.$tokenHash == SecretToken.hash(other)).count() == 1)
        }
    }

    @Test func aFullHistoryRefusesTheNextMoveAndKeepsEveryChange() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let full = JSONList(items: Array(repeating: StageChange(at: Date(), actorId: UUID(), from: "draft", to: "draft"),
                                             count: JSONList<StageChange>.maxChanges))
            try await app.db.sql.update(Job.schema).set("history", to: SQLBind(full)).where("id", .equal, SQLBind(try #require(UUID(uuidString: job)))).run()

            let csrf = try await scenario.csrf(app)
            let refused = try await app.send(.POST, "/job-action", as: scenario.recruiter, headers: ["X-CSRF-Token": csrf],
                                             json: JSON(["jobId": job, "action": "publish"]))

            #expect(refused.status == .conflict)
            #expect(refused.code == "history_full")
            let stored = try #require(try await Job.find(UUID(uuidString: job), on: app.db))
            #expect(stored.status == .draft)
            #expect(stored.history.items.count == JSONList<StageChange>.maxChanges)
        }
    }

    @Test(arguments: TestDatabase.all)
    func listingInvitationsExpiresOnlyTheCallersOwn(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let a = try await Scenario.make(app)
            let b = try await Scenario.make(app)
            let mine = try await a.invite(app)
            let theirs = try await b.invite(app)
            let past = Date().addingTimeInterval(-60)
            for id in [mine.id, theirs.id] {
                try await Invitation.query(on: app.db).filter(\.$id == UUID(uuidString: id)!).set(\.$expiresAt, to: past).update()
            }

            #expect(try await app.send(.GET, "/assessments/invitations", as: a.recruiter).status == .ok)

            #expect(try await Invitation.find(UUID(uuidString: mine.id), on: app.db)?.status == .expired)
            #expect(try await Invitation.find(UUID(uuidString: theirs.id), on: app.db)?.status == .pending)
            // The sweep (or B's own list) expires B's.
            try await app.hirebase.invitations.expireOverdue(on: app.db)
            #expect(try await Invitation.find(UUID(uuidString: theirs.id), on: app.db)?.status == .expired)
        }
    }

    @Test func submittingAfterTheTimeLimitIs410AndExpiresTheInvitation() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let timed = try await app.send(.POST, "/assessments", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "Timed", "timeLimitMinutes": 10, "questions": Scenario.questions]))
            let assessmentID = try #require(timed["id"])
            let onTime = try await Scenario(recruiter: scenario.recruiter, companyID: scenario.companyID, assessmentID: assessmentID).invite(app, email: "on@example.com")
            let late = try await Scenario(recruiter: scenario.recruiter, companyID: scenario.companyID, assessmentID: assessmentID).invite(app, email: "late@example.com")
            for invitation in [onTime, late] {
                #expect(try await app.send(.GET, "/assessments/invitations/\(invitation.id)?token=\(invitation.token)").status == .ok)
            }
            // The late candidate opened it 12 min 1 s ago: past 10 minutes and the 2-minute grace.
            try await Invitation.query(on: app.db).filter(\.$id == UUID(uuidString: late.id)!)
                .set(\.$openedAt, to: Date().addingTimeInterval(-(12 * 60 + 1))).update()
            // The other opened it 11 minutes ago: within the grace.
            try await Invitation.query(on: app.db).filter(\.$id == UUID(uuidString: onTime.id)!)
                .set(\.$openedAt, to: Date().addingTimeInterval(-11 * 60)).update()
            let answers = [["questionId": "q1", "answer": "4"]]

            let refused = try await app.send(.POST, "/assessments/invitations/\(late.id)/submit", json: JSON(["token": late.token, "answers": answers]))
            let accepted = try await app.send(.POST, "/assessments/invitations/\(onTime.id)/submit", json: JSON(["token": onTime.token, "answers": answers]))

            #expect(refused.status == .gone)
            #expect(refused.code == "time_limit_exceeded")
            #expect(try await Invitation.find(UUID(uuidString: late.id), on: app.db)?.status == .expired)
            #expect(accepted.status == .ok)
            #expect(accepted["status"] == "completed")
        }
    }

    @Test func preparedPoolsStayWithinTheirMemoryBudget() async throws {
        try await withHirebase(on: .sqlite) { app in
            let a = try await Scenario.make(app)
            let b = try await Scenario.make(app)
            for (scenario, prefix) in [(a, "a"), (b, "b")] {
                for index in 0..<30 {
                    _ = try await scenario.candidate(app, email: "\(prefix)\(index)@example.com",
                                                     extra: ["resumeText": String(repeating: "swift postgres kubernetes \(prefix)\(index) ", count: 40)])
                }
            }
            let companyA = try #require(UUID(uuidString: a.companyID))
            let companyB = try #require(UUID(uuidString: b.companyID))
            let probe = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork)
            let oneBytes = try await probe.pool(for: companyA, on: app.db).estimatedBytes
            #expect(oneBytes > 10_000)

            // Room for one pool: the second company's pool pushes the first out.
            let cache = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork, budgetBytes: oneBytes * 3 / 2)
            _ = try await cache.pool(for: companyA, on: app.db)
            _ = try await cache.pool(for: companyA, on: app.db)
            #expect(await cache.buildCount == 1)
            _ = try await cache.pool(for: companyB, on: app.db)
            #expect(await cache.heldBytes <= oneBytes * 3 / 2)
            _ = try await cache.pool(for: companyA, on: app.db)
            #expect(await cache.buildCount == 3)

            // A pool larger than the whole budget is used for its call and not kept.
            let tiny = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork, budgetBytes: 1024)
            #expect(try await tiny.pool(for: companyA, on: app.db).count == 30)
            #expect(await tiny.heldBytes == 0)
        }
    }

    @Test func concurrentMatchesOfOneCompanyShareOneBuild() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            for index in 0..<10 { _ = try await scenario.candidate(app, email: "c\(index)@example.com") }
            let company = try #require(UUID(uuidString: scenario.companyID))
            let cache = CandidatePoolCache(matcher: app.hirebase.matcher, heavyWork: app.hirebase.heavyWork)
            let db = app.db
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await cache.pool(for: company, on: db).count } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts == Array(repeating: 10, count: 8))
            #expect(await cache.buildCount == 1)
        }
    }
}
