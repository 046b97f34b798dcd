import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

@Suite("Assessments")
struct AssessmentsTests {
    @Test(arguments: TestDatabase.all)
    func recruiterCreatesAndMembersReadWithKeys(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            let shown = try await app.send(.GET, "/assessments/\(scenario.assessmentID)", as: viewer)
            #expect(shown.status == .ok)
            let questions = try #require(shown.json["questions"] as? [[String: Any]])
            #expect(questions.count == 4)
            #expect(questions[0]["correct"] as? [String] == ["4"])
            let list = try await app.send(.GET, "/assessments?companyId=\(scenario.companyID)", as: viewer)
            #expect((list.json["items"] as? [Any])?.count == 1)
            #expect(list.json.keys.contains("nextCursor"))
        }
    }

    @Test func viewerCannotCreateAndStrangerGets404() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let viewer = try await scenario.addMember(app, role: "viewer", name: "viewer")
            let body = JSON(["companyId": scenario.companyID, "title": "X", "questions": Scenario.questions])
            let byViewer = try await app.send(.POST, "/assessments", as: viewer, json: body)
            #expect(byViewer.status == .forbidden)
            let byStranger = try await app.send(.POST, "/assessments", as: TestUser("stranger"), json: body)
            #expect(byStranger.status == .notFound)
            let read = try await app.send(.GET, "/assessments/\(scenario.assessmentID)", as: TestUser("stranger"))
            #expect(read.status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"kind": "single_choice", "choices": ["a", "b"], "correct": ["a", "b"]}"#, "questions[0].correct"),
        (#"{"kind": "single_choice", "choices": ["a", "b"], "correct": ["c"]}"#, "questions[0].correct"),
        (#"{"kind": "multiple_choice", "choices": ["a"], "correct": ["a"]}"#, "questions[0].choices"),
        (#"{"kind": "multiple_choice", "choices": ["a", "a"], "correct": ["a"]}"#, "questions[0].choices"),
        (#"{"kind": "single_choice", "choices": ["a", "b"]}"#, "questions[0].correct"),
        (#"{"kind": "text", "choices": ["a"]}"#, "questions[0].choices"),
        (#"{"kind": "essay"}"#, "questions[0].kind"),
        (#"{"kind": "text", "points": 0}"#, "questions[0].points"),
        (#"{"kind": "text", "points": -2}"#, "questions[0].points"),
    ])
    func invalidQuestionsNameTheField(question: String, field: String) async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            var q = try #require(try JSONSerialization.jsonObject(with: Data(question.utf8)) as? [String: Any])
            q["id"] = "q"
            q["prompt"] = "p"
            let response = try await app.send(.POST, "/assessments", as: scenario.recruiter, json: JSON(["companyId": scenario.companyID, "title": "T", "questions": [q]]))
            #expect(response.status == .badRequest)
            let errors = try #require(response.json["errors"] as? [[String: String]])
            #expect(errors.contains { $0["field"] == field }, "\(errors)")
        }
    }

    @Test func otherAssessmentRulesAre400() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let q = Scenario.questions[0]
            for (body, field) in [
                (["companyId": scenario.companyID, "title": "T", "questions": [q], "passingScore": 101] as [String: Any], "passingScore"),
                (["companyId": scenario.companyID, "title": "T", "questions": [q], "timeLimitMinutes": 0], "timeLimitMinutes"),
                (["companyId": scenario.companyID, "title": "T", "questions": []], "questions"),
                (["companyId": scenario.companyID, "title": "T", "questions": [q, q]], "questions[1].id"),
                (["title": "T", "questions": [q]], "companyId"),
            ] {
                let response = try await app.send(.POST, "/assessments", as: scenario.recruiter, json: JSON(body))
                #expect(response.status == .badRequest)
                let errors = response.json["errors"] as? [[String: String]] ?? []
                #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            }
        }
    }
}
