import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

/// `GET /ai-runs` and `AIRunService.record` (issue 12 § 4).
@Suite("AI runs")
struct AIRunsTests {
    @Test(arguments: TestDatabase.all)
    func runsArePagedNewestFirstAndFilteredByPurpose(database: TestDatabase) async throws {
        let clock = ManualClock()
        try await withHirebase(on: database, overrides: ServiceOverrides(clock: clock.wall)) { app in
            let scenario = try await Scenario.make(app)
            let companyID = try #require(UUID(uuidString: scenario.companyID))
            let runs = app.hirebase.aiRuns
            var recorded: [AIRun] = []
            for index in 0..<5 {
                clock.advance(by: .seconds(1))
                let completion = ChatCompletion(content: "{}", model: "m", inputTokens: 10 + index, outputTokens: 5, durationMs: 40)
                recorded.append(try await runs.record(completion, purpose: index.isMultiple(of: 2) ? .assessmentGeneration : .answerGrading,
                                                      promptVersion: "p/1", companyID: companyID, subjectID: nil, createdBy: scenario.recruiter.id, on: app.db))
            }
            clock.advance(by: .seconds(1))
            recorded.append(try await runs.record(AIProviderError(.timeout, "slow", durationMs: 30_000), model: "m", purpose: .answerGrading,
                                                  promptVersion: "g/1", companyID: companyID, subjectID: UUID(), createdBy: nil, on: app.db))

            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            let first = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)&limit=4", as: viewer)
            #expect(first.status == .ok)
            let items = try #require(first.json["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == recorded.reversed().prefix(4).map { $0.id?.lowercased })
            #expect(items[0]["outcome"] as? String == "timeout" && items[0]["durationMs"] as? Int == 30_000 && items[0]["inputTokens"] as? Int == 0)
            #expect(items[0]["subjectId"] is String && items[1]["subjectId"] == nil)
            #expect(items[1]["promptVersion"] as? String == "p/1" && items[1]["inputTokens"] as? Int == 14 && items[1]["model"] as? String == "m")
            let cursor = try #require(first["nextCursor"])
            let second = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)&limit=4&cursor=\(cursor)", as: viewer)
            #expect((second.json["items"] as? [[String: Any]])?.map { $0["id"] as? String } == recorded.prefix(2).reversed().map { $0.id?.lowercased })
            #expect(second.json["nextCursor"] is NSNull)

            let grading = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)&purpose=answer_grading", as: viewer)
            #expect((grading.json["items"] as? [[String: Any]])?.count == 3)
            #expect((grading.json["items"] as? [[String: Any]])?.allSatisfy { $0["purpose"] as? String == "answer_grading" } == true)
        }
    }

    @Test func badQueriesAndStrangers() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let missing = try await app.send(.GET, "/ai-runs", as: scenario.recruiter)
            #expect(missing.status == .badRequest && (missing.json["errors"] as? [[String: String]])?.first?["field"] == "companyId")
            let unknown = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)&purpose=chatting", as: scenario.recruiter)
            #expect(unknown.status == .badRequest && (unknown.json["errors"] as? [[String: String]])?.first?["field"] == "purpose")
            let limit = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)&limit=0", as: scenario.recruiter)
            #expect(limit.status == .badRequest)
            let stranger = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)", as: TestUser("stranger"))
            #expect(stranger.status == .notFound)
            let empty = try await app.send(.GET, "/ai-runs?companyId=\(scenario.companyID)", as: scenario.recruiter)
            #expect(empty.status == .ok && (empty.json["items"] as? [Any])?.isEmpty == true && empty.json["nextCursor"] is NSNull)
        }
    }
}
