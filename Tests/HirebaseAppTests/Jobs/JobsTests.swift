import Foundation
import Testing
import Vapor
import VaporTesting
@testable import HirebaseApp

extension Scenario {
    /// Creates a draft job through the API and returns its id.
    func job(_ app: Application, title: String = "Backend engineer", skills: [String] = ["Swift", "PostgreSQL", "k8s"], extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["companyId": companyID, "title": title, "description": "Build APIs in Swift.", "skills": skills]
        body.merge(extra) { $1 }
        let created = try await app.send(.POST, "/jobs", as: recruiter, json: JSON(body))
        try #require(created.status == .created, "\(String(buffer: created.body))")
        return try #require(created["id"])
    }

    /// Creates a candidate through the API and returns its id.
    func candidate(_ app: Application, email: String, name: String = "Cand", skills: [String] = ["swift"], extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = ["companyId": companyID, "email": email, "name": name, "skills": skills]
        body.merge(extra) { $1 }
        let created = try await app.send(.POST, "/candidates", as: recruiter, json: JSON(body))
        try #require(created.status == .created, "\(String(buffer: created.body))")
        return try #require(created["id"])
    }
}

@Suite("Jobs")
struct JobsTests {
    @Test(arguments: TestDatabase.all)
    func createIsDraftWithHistoryAndPatchChangesFields(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let created = try await app.send(.POST, "/jobs", as: scenario.recruiter, json: JSON([
                "companyId": scenario.companyID, "title": "Engineer", "description": "Do things", "skills": ["Swift", "swift", " Go "],
                "remote": true, "employmentType": "full_time", "salary": ["min": 90000, "max": 120000.5, "currency": "usd", "period": "year"],
            ]))
            #expect(created.status == .created)
            #expect(created["status"] == "draft")
            #expect(created.json["skills"] as? [String] == ["Swift", "Go"])
            #expect(created["employmentType"] == "FULL_TIME")
            let salary = try #require(created.json["salary"] as? [String: Any])
            #expect(salary["currency"] as? String == "USD")
            #expect(salary["max"] as? Double == 120000.5)
            #expect((created.json["history"] as? [[String: Any]])?.first?["to"] as? String == "draft")
            let id = try #require(created["id"])

            let patched = try await app.send(.PATCH, "/jobs/\(id)", as: scenario.recruiter, json: JSON(["title": "Senior engineer", "remote": false]))
            #expect(patched.status == .ok)
            #expect(patched["title"] == "Senior engineer")
            #expect(patched.json["remote"] as? Bool == false)
            #expect(patched["description"] == "Do things")

            let list = try await app.send(.GET, "/jobs?companyId=\(scenario.companyID)&status=draft", as: scenario.recruiter)
            #expect((list.json["items"] as? [Any])?.count == 1)
            let none = try await app.send(.GET, "/jobs?companyId=\(scenario.companyID)&status=open", as: scenario.recruiter)
            #expect((none.json["items"] as? [Any])?.count == 0)
        }
    }

    @Test func invalidJobsAre400AndNothingIsStored() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let base: [String: Any] = ["companyId": scenario.companyID, "title": "T", "description": "D"]
            for (change, field) in [
                (["title": ""] as [String: Any], "title"),
                (["employmentType": "GIG"], "employmentType"),
                (["salary": ["min": 10, "max": 5, "currency": "USD", "period": "year"]], "salary.min"),
                (["salary": ["min": 10, "currency": "dollars", "period": "year"]], "salary.currency"),
                (["salary": ["min": 10, "currency": "USD", "period": "fortnight"]], "salary.period"),
                (["salary": ["min": -1, "currency": "USD", "period": "year"]], "salary.min"),
                (["skills": ["ok", ""]], "skills[1]"),
            ] {
                let response = try await app.send(.POST, "/jobs", as: scenario.recruiter, json: JSON(base.merging(change) { $1 }))
                #expect(response.status == .badRequest)
                let errors = response.json["errors"] as? [[String: String]] ?? []
                #expect(errors.contains { $0["field"] == field }, "\(field): \(errors)")
            }
            let list = try await app.send(.GET, "/jobs?companyId=\(scenario.companyID)", as: scenario.recruiter)
            #expect((list.json["items"] as? [Any])?.count == 0)
            let badStatus = try await app.send(.GET, "/jobs?companyId=\(scenario.companyID)&status=live", as: scenario.recruiter)
            #expect(badStatus.status == .badRequest)
            let noCompany = try await app.send(.GET, "/jobs", as: scenario.recruiter)
            #expect(noCompany.status == .badRequest)
        }
    }

    @Test func otherCompaniesAndViewers() async throws {
        try await withHirebase(on: .sqlite) { app in
            let a = try await Scenario.make(app)
            let b = try await Scenario.make(app)
            let job = try await a.job(app)
            #expect(try await app.send(.GET, "/jobs/\(job)", as: b.recruiter).status == .notFound)
            #expect(try await app.send(.PATCH, "/jobs/\(job)", as: b.recruiter, json: JSON(["title": "x"])).status == .notFound)
            #expect(try await app.send(.GET, "/jobs?companyId=\(a.companyID)", as: b.recruiter).status == .notFound)
            let viewer = try await a.addMember(app, role: "viewer", name: "viewer")
            #expect(try await app.send(.GET, "/jobs/\(job)", as: viewer).status == .ok)
            #expect(try await app.send(.PATCH, "/jobs/\(job)", as: viewer, json: JSON(["title": "x"])).status == .forbidden)
            #expect(try await app.send(.POST, "/jobs", as: viewer, json: JSON(["companyId": a.companyID, "title": "T", "description": "D"])).status == .forbidden)
            #expect(try await app.send(.PATCH, "/jobs/\(job)", as: a.recruiter, json: JSON(["companyId": b.companyID])).status == .badRequest)
        }
    }
}

@Suite("Candidates")
struct CandidatesTests {
    @Test(arguments: TestDatabase.all)
    func duplicateEmailInACompanyIsConflictWithExistingId(database: TestDatabase) async throws {
        try await withHirebase(on: database) { app in
            let scenario = try await Scenario.make(app)
            let first = try await scenario.candidate(app, email: "Ann@Example.com", extra: ["yearsExperience": 4.5, "headline": "Swift dev"])
            let again = try await app.send(.POST, "/candidates", as: scenario.recruiter,
                                           json: JSON(["companyId": scenario.companyID, "email": "  ann@EXAMPLE.com ", "name": "Ann again"]))
            #expect(again.status == .conflict)
            #expect(again.code == "duplicate_candidate")
            #expect(again["existingId"] == first)
            // Another company may have the same person.
            let other = try await Scenario.make(app)
            _ = try await other.candidate(app, email: "ann@example.com")
            // Changing another candidate's e-mail to Ann's is a conflict too.
            let second = try await scenario.candidate(app, email: "bob@example.com")
            let clash = try await app.send(.PATCH, "/candidates/\(second)", as: scenario.recruiter, json: JSON(["email": "ANN@example.com"]))
            #expect(clash.status == .conflict)
            #expect(clash["existingId"] == first)
        }
    }

    @Test func patchAndValidation() async throws {
        try await withHirebase(on: .sqlite) { app in
            let scenario = try await Scenario.make(app)
            let id = try await scenario.candidate(app, email: "c@example.com")
            let patched = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter, json: JSON(["headline": "iOS", "skills": ["Swift", "UIKit"]]))
            #expect(patched.status == .ok)
            #expect(patched["headline"] == "iOS")
            #expect(patched["name"] == "Cand")
            for (body, field) in [
                (["email": "nope"] as [String: Any], "email"),
                (["yearsExperience": -1], "yearsExperience"),
                (["companyId": scenario.companyID], "companyId"),
                (["name": ""], "name"),
            ] {
                let response = try await app.send(.PATCH, "/candidates/\(id)", as: scenario.recruiter, json: JSON(body))
                #expect(response.status == .badRequest)
                #expect((response.json["errors"] as? [[String: String]] ?? []).contains { $0["field"] == field }, "\(field)")
            }
            let missing = try await app.send(.POST, "/candidates", as: scenario.recruiter, json: JSON(["companyId": scenario.companyID, "name": "X"]))
            #expect(missing.status == .badRequest)
            let page = try await app.send(.GET, "/candidates?companyId=\(scenario.companyID)", as: scenario.recruiter)
            #expect((page.json["items"] as? [Any])?.count == 1)
            #expect(try await app.send(.GET, "/candidates/\(id)", as: TestUser("stranger")).status == .notFound)
        }
    }
}
