import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Pipeline rules")
struct PipelineRulesTests {
    @Test func forwardMovesMaySkipButNeverGoBack() {
        #expect(PipelineRules.stage(after: .screen, from: .applied, rejectedFrom: nil) == .screening)
        #expect(PipelineRules.stage(after: .offer, from: .applied, rejectedFrom: nil) == .offered)
        #expect(PipelineRules.stage(after: .screen, from: .interviewing, rejectedFrom: nil) == nil)
        #expect(PipelineRules.stage(after: .interview, from: .interviewing, rejectedFrom: nil) == nil)
        #expect(PipelineRules.stage(after: .hire, from: .offered, rejectedFrom: nil) == .hired)
    }

    @Test func rejectionUnrejectionAndFinalStages() {
        #expect(PipelineRules.stage(after: .reject, from: .shortlisted, rejectedFrom: nil) == .rejected)
        #expect(PipelineRules.stage(after: .unreject, from: .rejected, rejectedFrom: .shortlisted) == .shortlisted)
        #expect(PipelineRules.stage(after: .unreject, from: .screening, rejectedFrom: nil) == nil)
        #expect(PipelineRules.stage(after: .screen, from: .rejected, rejectedFrom: .applied) == nil)
        for final in [ApplicationStage.hired, .withdrawn] {
            for action in JobAction.allCases where action.isApplicationAction {
                #expect(PipelineRules.stage(after: action, from: final, rejectedFrom: nil) == nil, "\(action) from \(final)")
            }
        }
        #expect(PipelineRules.stage(after: .withdraw, from: .offered, rejectedFrom: nil) == .withdrawn)
        #expect(PipelineRules.stage(after: .withdraw, from: .rejected, rejectedFrom: .applied) == nil)
    }

    @Test func jobStatuses() {
        #expect(PipelineRules.jobStatus(after: .publish, from: .draft) == .open)
        #expect(PipelineRules.jobStatus(after: .publish, from: .open) == nil)
        #expect(PipelineRules.jobStatus(after: .close, from: .open) == .closed)
        #expect(PipelineRules.jobStatus(after: .reopen, from: .closed) == .open)
        #expect(PipelineRules.jobStatus(after: .archive, from: .closed) == .archived)
        for action in [JobAction.publish, .close, .reopen, .archive] {
            #expect(PipelineRules.jobStatus(after: action, from: .archived) == nil)
        }
    }
}

@Suite("POST /job-action")
struct JobActionTests {
    func act(_ app: Application, _ scenario: Scenario, _ body: [String: Any], as user: TestUser? = nil) async throws -> TestingHTTPResponse {
        let actor = user ?? scenario.recruiter
        let token = try await scenario.csrf(app, for: actor)
        return try await app.send(.POST, "/job-action", as: actor, headers: ["X-CSRF-Token": token], json: JSON(body))
    }

    @Test(arguments: TestDatabase.all)
    func jobAndApplicationMoveWithHistory(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let candidate = try await scenario.candidate(app, email: "p@example.com")

            let published = try await act(app, scenario, ["jobId": job, "action": "publish"])
            #expect(published.status == .ok)
            #expect(published["status"] == "open")
            let again = try await act(app, scenario, ["jobId": job, "action": "publish"])
            #expect(again.status == .conflict)
            #expect(again.code == "invalid_state_transition")
            #expect(again["detail"]?.contains("open") == true)

            let applied = try await app.send(.POST, "/jobs/\(job)/applications", as: scenario.recruiter, json: JSON(["candidateId": candidate]))
            #expect(applied.status == .created)
            #expect(applied["stage"] == "applied")
            let duplicate = try await app.send(.POST, "/jobs/\(job)/applications", as: scenario.recruiter, json: JSON(["candidateId": candidate]))
            #expect(duplicate.status == .conflict)

            let screened = try await act(app, scenario, ["jobId": job, "action": "screen", "candidateId": candidate, "note": "good CV"])
            #expect(screened["stage"] == "screening")
            let noReason = try await act(app, scenario, ["jobId": job, "action": "reject", "candidateId": candidate])
            #expect(noReason.status == .badRequest)
            let stale = try await act(app, scenario, ["jobId": job, "action": "shortlist", "candidateId": candidate, "fromStage": "applied"])
            #expect(stale.status == .conflict)
            // a guard no state can have is refused as input (documented enum), not answered 409
            let unknownStage = try await act(app, scenario, ["jobId": job, "action": "shortlist", "candidateId": candidate, "fromStage": "nowhere"])
            #expect(unknownStage.status == .badRequest)
            #expect((unknownStage.json["errors"] as? [[String: Any]])?.first?["field"] as? String == "fromStage")
            let rejected = try await act(app, scenario, ["jobId": job, "action": "reject", "candidateId": candidate, "reason": "salary"])
            #expect(rejected["stage"] == "rejected")
            let back = try await act(app, scenario, ["jobId": job, "action": "unreject", "candidateId": candidate])
            #expect(back["stage"] == "screening")
            let hired = try await act(app, scenario, ["jobId": job, "action": "hire", "candidateId": candidate, "fromStage": "screening"])
            #expect(hired["stage"] == "hired")
            let afterHire = try await act(app, scenario, ["jobId": job, "action": "withdraw", "candidateId": candidate])
            #expect(afterHire.status == .conflict)

            let list = try await app.send(.GET, "/jobs/\(job)/applications", as: scenario.recruiter)
            let item = try #require((list.json["items"] as? [[String: Any]])?.first)
            let history = try #require(item["history"] as? [[String: Any]])
            #expect(history.map { $0["to"] as? String } == ["applied", "screening", "rejected", "screening", "hired"])
            #expect(history[1]["note"] as? String == "good CV")
            #expect(history[2]["reason"] as? String == "salary")
            #expect(history[2]["from"] as? String == "screening")
            #expect(history.allSatisfy { $0["actorId"] as? String == scenario.recruiter.id.uuidString.lowercased() && $0["at"] != nil })
        }
    }

    @Test func badActionsAndRights() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let job = try await scenario.job(app)
            let candidate = try await scenario.candidate(app, email: "q@example.com")
            #expect(try await act(app, scenario, ["jobId": job, "action": "promote"]).status == .badRequest)
            #expect(try await act(app, scenario, ["jobId": job, "action": "screen"]).status == .badRequest)
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish", "candidateId": candidate]).status == .badRequest)
            #expect(try await act(app, scenario, ["jobId": job, "action": "screen", "candidateId": candidate]).status == .notFound)
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"], as: viewer).status == .forbidden)
            let stranger = TestUser("stranger")
            #expect(try await act(app, scenario, ["jobId": job, "action": "publish"], as: stranger).status == .notFound)
            let noCSRF = try await app.send(.POST, "/job-action", as: scenario.recruiter, json: JSON(["jobId": job, "action": "publish"]))
            #expect(noCSRF.code == "csrf_token_invalid")
        }
    }
}
